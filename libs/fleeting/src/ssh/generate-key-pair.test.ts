import { generateEd25519KeyPair } from './generate-key-pair';

describe('generateEd25519KeyPair', () => {
  it('always returns a 32-byte ed25519 public key, across enough keys to meet a short one', () => {
    // ssh2 makes a 31-byte key about once in 300; 2000 keys meet one with near certainty.
    for (let i = 0; i < 2000; i += 1) {
      const { publicKey, privateKey } = generateEd25519KeyPair();
      const blob = Buffer.from(publicKey.split(' ')[1]!, 'base64');
      expect(blob.length).toBe(51);
      expect(privateKey).toContain('PRIVATE KEY');
    }
  });
});
