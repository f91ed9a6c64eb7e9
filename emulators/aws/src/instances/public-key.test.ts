import { isOpenSshPublicKey } from './public-key';

describe('isOpenSshPublicKey', () => {
  it.each([
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDV6',
    'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== runner@host',
    'ecdsa-sha2-nistp256 AAAAE2VjZHNh',
  ])('accepts %s', key => {
    expect(isOpenSshPublicKey(key)).toBe(true);
  });

  it.each([
    ['an options prefix', 'command="id" ssh-ed25519 AAAAC3Nz'],
    ['a second line', 'ssh-ed25519 AAAAC3Nz\nssh-ed25519 AAAAother'],
    ['an unknown type', 'ssh-dss AAAAB3Nz'],
    ['no body', 'ssh-ed25519'],
    ['a body that is not base64', 'ssh-ed25519 not*base64'],
    ['an empty string', ''],
  ])('rejects %s', (_what, key) => {
    expect(isOpenSshPublicKey(key)).toBe(false);
  });
});
