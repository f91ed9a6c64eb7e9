import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { credentialsFor } from './credentials';

describe('credentialsFor', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provider-aws-credentials-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the named profile from the given credentials file through the default chain', async () => {
    const credentialsFile = join(dir, 'credentials');
    await writeFile(
      credentialsFile,
      '[other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = other\n' +
        '[ci]\naws_access_key_id = AKIDCI\naws_secret_access_key = ci-secret\n',
    );
    const provider = credentialsFor({
      profile: 'ci',
      credentialsFile,
      configFile: join(dir, 'config-that-does-not-exist'),
      clientOverrides: {},
    });

    const identity = typeof provider === 'function' ? await provider() : provider;

    expect(identity).toMatchObject({ accessKeyId: 'AKIDCI', secretAccessKey: 'ci-secret' });
  });

  it('uses an override unchanged', () => {
    const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };

    expect(
      credentialsFor({
        profile: undefined,
        credentialsFile: undefined,
        configFile: undefined,
        clientOverrides: { credentials },
      }),
    ).toBe(credentials);
  });
});
