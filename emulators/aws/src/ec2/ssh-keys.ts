import { createHash, generateKeyPairSync } from 'node:crypto';

/** A freshly generated key pair in the formats CreateKeyPair returns. */
export interface GeneratedKeyPair {
  /** The private key: PEM `RSA PRIVATE KEY` for rsa, OpenSSH format for ed25519 (as AWS). */
  readonly privateKey: string;
  /** The public key in `authorized_keys` form. */
  readonly publicKey: string;
  readonly fingerprint: string;
}

/** A parsed OpenSSH public key. */
export interface ParsedPublicKey {
  readonly type: string;
  readonly blob: Buffer;
  /** RSA modulus size; undefined for other types. */
  readonly rsaBits: number | undefined;
}

const KNOWN_TYPES = new Set([
  'ssh-rsa',
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
]);

/** Parses `type base64 [comment]`; undefined when it is not a well-formed OpenSSH public key. */
export function parseOpenSshPublicKey(text: string): ParsedPublicKey | undefined {
  const [type, data] = text.trim().split(/\s+/);
  if (
    type === undefined ||
    data === undefined ||
    !KNOWN_TYPES.has(type) ||
    !/^[A-Za-z0-9+/]+=*$/.test(data)
  ) {
    return undefined;
  }
  const blob = Buffer.from(data, 'base64');
  try {
    const fields = readSshStrings(blob);
    if (fields[0]?.toString('latin1') !== type) {
      return undefined;
    }
    const modulus = type === 'ssh-rsa' ? fields[2] : undefined;
    if (type === 'ssh-rsa' && modulus === undefined) {
      return undefined;
    }
    if (type === 'ssh-ed25519' && fields[1]?.length !== 32) {
      return undefined;
    }
    const rsaBits = modulus === undefined ? undefined : bitLength(modulus);
    return { type, blob, rsaBits };
  } catch {
    return undefined;
  }
}

/** Generates a key pair the way CreateKeyPair does (rsa 2048 or ed25519). */
export function generateSshKeyPair(keyType: 'rsa' | 'ed25519', comment: string): GeneratedKeyPair {
  if (keyType === 'rsa') {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = publicKey.export({ format: 'jwk' });
    const blob = Buffer.concat([
      sshString(Buffer.from('ssh-rsa')),
      sshString(mpint(Buffer.from(jwk.e ?? '', 'base64url'))),
      sshString(mpint(Buffer.from(jwk.n ?? '', 'base64url'))),
    ]);
    // AWS fingerprints keys it creates as the SHA-1 of the PKCS#8 DER private key.
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    return {
      privateKey: privateKey.export({ format: 'pem', type: 'pkcs1' }).toString(),
      publicKey: `ssh-rsa ${blob.toString('base64')} ${comment}`,
      fingerprint: colonHex(createHash('sha1').update(der).digest()),
    };
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
  const blob = Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(raw)]);
  return {
    privateKey: openSshEd25519Private(blob, raw, seed, comment),
    publicKey: `ssh-ed25519 ${blob.toString('base64')} ${comment}`,
    fingerprint: `${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}=`,
  };
}

/** The fingerprint ImportKeyPair reports: MD5 of the public key blob, colon-separated hex. */
export function importedKeyFingerprint(key: ParsedPublicKey): string {
  return colonHex(createHash('md5').update(key.blob).digest());
}

// The unencrypted openssh-key-v1 container (PROTOCOL.key in OpenSSH), which Node cannot write.
function openSshEd25519Private(blob: Buffer, pub: Buffer, seed: Buffer, comment: string): string {
  const check = Buffer.alloc(4);
  check.writeUInt32BE(Math.floor(Math.random() * 0xffffffff));
  let secret = Buffer.concat([
    check,
    check,
    sshString(Buffer.from('ssh-ed25519')),
    sshString(pub),
    sshString(Buffer.concat([seed, pub])),
    sshString(Buffer.from(comment)),
  ]);
  const padLength = (8 - (secret.length % 8)) % 8;
  secret = Buffer.concat([secret, Buffer.from(Array.from({ length: padLength }, (_, i) => i + 1))]);
  const count = Buffer.alloc(4);
  count.writeUInt32BE(1);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString(Buffer.from('none')),
    sshString(Buffer.from('none')),
    sshString(Buffer.alloc(0)),
    count,
    sshString(blob),
    sshString(secret),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

function sshString(data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}

function mpint(data: Buffer): Buffer {
  return (data[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), data]) : data;
}

function readSshStrings(blob: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let offset = 0;
  while (offset < blob.length) {
    const length = blob.readUInt32BE(offset);
    offset += 4;
    if (offset + length > blob.length) {
      throw new RangeError('truncated ssh string');
    }
    out.push(blob.subarray(offset, offset + length));
    offset += length;
  }
  return out;
}

function bitLength(unsigned: Buffer): number {
  let start = 0;
  while (start < unsigned.length && unsigned[start] === 0) {
    start++;
  }
  const first = unsigned[start];
  if (first === undefined) {
    return 0;
  }
  return (unsigned.length - start - 1) * 8 + Math.floor(Math.log2(first)) + 1;
}

function colonHex(digest: Buffer): string {
  return (digest.toString('hex').match(/../g) ?? []).join(':');
}
