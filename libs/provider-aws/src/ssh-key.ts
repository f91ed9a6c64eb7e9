import { FleetingError, generateEd25519KeyPair } from '@taskfleet/fleeting';
import { utils } from 'ssh2';

/** A private key for a login and its OpenSSH `authorized_keys` public line. */
export interface SshKeyPair {
  /** The private key (OpenSSH or PEM). A secret: never log it. */
  readonly privateKey: Buffer;
  /** `<type> <base64>`, as SendSSHPublicKey takes it. */
  readonly publicKey: string;
}

/**
 * A fresh ed25519 key pair for one connection. The plugin makes an RSA-4096 key each time (about 1.3 s
 * of CPU on a 2-core machine); ed25519 takes about 0.5 ms, and EC2 Instance Connect accepts it.
 */
export function generateSshKeyPair(): SshKeyPair {
  const pair = generateEd25519KeyPair();

  return { privateKey: Buffer.from(pair.privateKey), publicKey: pair.publicKey };
}

/** The public half of a configured private key; rejects `invalid_config` if it cannot be read. */
export function sshKeyPairOf(privateKey: Buffer): SshKeyPair {
  const key = utils.parseKey(privateKey);
  if (key instanceof Error || !key.isPrivateKey()) {
    // Passphrase-protected keys land here too: there is no setting for a passphrase.
    throw new FleetingError('invalid_config', 'could not read connector key: not a private key', {
      cause: key instanceof Error ? key : undefined,
    });
  }

  return { privateKey, publicKey: `${key.type} ${key.getPublicSSH().toString('base64')}` };
}
