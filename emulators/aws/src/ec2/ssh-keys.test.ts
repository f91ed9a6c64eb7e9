import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { generateSshKeyPair, parseOpenSshPublicKey } from './ssh-keys';

describe('ssh keys', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'emulator-aws-keys-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['rsa', 'ed25519'] as const)(
    'generates a %s private key that OpenSSH reads back to the same public key',
    type => {
      const pair = generateSshKeyPair(type, 'comment');
      const file = join(dir, `id_${type}`);
      writeFileSync(file, pair.privateKey, { mode: 0o600 });
      const derived = execFileSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' });
      expect(derived.trim().split(' ').slice(0, 2)).toEqual(pair.publicKey.split(' ').slice(0, 2));
    },
  );

  it('parses public keys and reports RSA sizes; rejects malformed ones', () => {
    expect(parseOpenSshPublicKey(generateSshKeyPair('rsa', 'x').publicKey)).toMatchObject({
      type: 'ssh-rsa',
      rsaBits: 2048,
    });
    expect(parseOpenSshPublicKey(generateSshKeyPair('ed25519', 'x').publicKey)?.type).toBe(
      'ssh-ed25519',
    );
    expect(parseOpenSshPublicKey('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5')).toBeUndefined();
    expect(parseOpenSshPublicKey('ssh-dss AAAA')).toBeUndefined();
    expect(parseOpenSshPublicKey('not a key')).toBeUndefined();
  });
});
