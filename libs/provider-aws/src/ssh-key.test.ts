import { utils } from 'ssh2';

import { generateSshKeyPair, sshKeyPairOf } from './ssh-key';

describe('ssh keys', () => {
  it('generates an ed25519 pair whose halves match', () => {
    const pair = generateSshKeyPair();

    expect(pair.publicKey).toMatch(/^ssh-ed25519 [A-Za-z0-9+/=]+$/);
    expect(sshKeyPairOf(pair.privateKey).publicKey).toBe(pair.publicKey);
  });

  it('derives the public line of a configured RSA key', () => {
    const rsa = utils.generateKeyPairSync('rsa', { bits: 2048 });

    const pair = sshKeyPairOf(Buffer.from(rsa.private));

    expect(pair.publicKey).toBe(rsa.public.split(' ').slice(0, 2).join(' '));
  });

  it('refuses something that is not a private key', () => {
    const onlyPublic = generateSshKeyPair().publicKey;

    expect(() => sshKeyPairOf(Buffer.from('not a key'))).toThrow(
      expect.objectContaining({ code: 'invalid_config' }),
    );
    expect(() => sshKeyPairOf(Buffer.from(onlyPublic))).toThrow(
      expect.objectContaining({ code: 'invalid_config' }),
    );
  });
});
