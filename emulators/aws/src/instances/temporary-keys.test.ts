import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { TemporaryKeyFile } from './temporary-keys';

describe('TemporaryKeyFile', () => {
  let dir: string;
  let path: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'temporary-keys-'));
    path = join(dir, 'eic_keys');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('adds and removes keys by handle', async () => {
    const file = new TemporaryKeyFile(path);
    await file.create();
    expect(await readFile(path, 'utf8')).toBe('');
    const [first, second] = await Promise.all([
      file.authorize('ssh-ed25519 AAAAfirst'),
      file.authorize('ssh-ed25519 AAAAsecond'),
    ]);
    expect(await readFile(path, 'utf8')).toBe('ssh-ed25519 AAAAfirst\nssh-ed25519 AAAAsecond\n');
    await file.revoke(first);
    await file.revoke(first);
    expect(await readFile(path, 'utf8')).toBe('ssh-ed25519 AAAAsecond\n');
    await file.revoke(second);
    expect(await readFile(path, 'utf8')).toBe('');
    expect((await stat(path)).mode & 0o777).toBe(0o644);
  });

  it('refuses a line that is not one bare public key', async () => {
    const file = new TemporaryKeyFile(path);
    await expect(file.authorize('from="*" ssh-ed25519 AAAA')).rejects.toMatchObject({
      code: 'invalid_key',
      retryable: false,
    });
  });
});
