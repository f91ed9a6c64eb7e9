import { generateEd25519KeyPair } from '@taskfleet/fleeting';

/** A fresh ed25519 key pair in ssh2's `{ public, private }` shape, always well formed. */
export function ed25519TestKey(): { public: string; private: string } {
  const pair = generateEd25519KeyPair();

  return { public: pair.publicKey, private: pair.privateKey };
}
