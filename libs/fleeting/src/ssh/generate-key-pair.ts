import { utils } from 'ssh2';

import { FleetingError } from '../errors';

/** An ed25519 key pair in OpenSSH formats: the private key PEM and `ssh-ed25519 <base64>`. */
export interface Ed25519KeyPair {
  /** A secret: never log it. */
  readonly privateKey: string;
  readonly publicKey: string;
}

const keyTypeName = 'ssh-ed25519';
const ed25519KeyBytes = 32;
const maxAttempts = 8;

// ssh2 1.17 drops a leading zero byte of the public key, so about 1 key in 300 comes out
// 31 bytes long and every server refuses it. TODO(ssh2-ed25519-fix): drop the check once
// ssh2 encodes the key at its fixed length.
function isWellFormed(publicKey: string): boolean {
  const blob = Buffer.from(publicKey.split(' ')[1] ?? '', 'base64');
  const typeLength = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  const type = blob.subarray(4, 4 + typeLength).toString('latin1');
  const keyOffset = 4 + typeLength;
  const keyLength = blob.length >= keyOffset + 4 ? blob.readUInt32BE(keyOffset) : -1;

  return (
    type === keyTypeName &&
    keyLength === ed25519KeyBytes &&
    blob.length === keyOffset + 4 + keyLength
  );
}

/** Generates a fresh ed25519 key pair whose public key every SSH server accepts. */
export function generateEd25519KeyPair(): Ed25519KeyPair {
  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    const pair = utils.generateKeyPairSync('ed25519');
    const publicKey = pair.public.trim();
    if (isWellFormed(publicKey)) {
      return { privateKey: pair.private, publicKey };
    }
  }
  throw new FleetingError('protocol_error', 'could not generate a well-formed ed25519 key');
}
