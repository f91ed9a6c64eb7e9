import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import {
  call,
  startHarness,
  takeAndAck,
  updateJob,
  type Harness,
} from './testing/harness.test-support';

const run = promisify(execFile);

describe('git over smart HTTP', () => {
  let h: Harness;
  let work: string;
  beforeEach(async () => {
    h = await startHarness();
    work = await mkdtemp(join(tmpdir(), 'gitlab-clone-'));
  });
  afterEach(async () => {
    await h.close();
    await rm(work, { recursive: true, force: true });
  });

  const env = {
    ...process.env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
  };

  it('clones with gitlab-ci-token and the token of a running job of the project', async () => {
    await h.pipeline();
    const job = await takeAndAck(h, h.emulator.admin.createRunner({}).token);
    const url = new URL(`${h.emulator.url}/acme/widgets.git`);
    url.username = 'gitlab-ci-token';
    url.password = job.jobToken;
    await run('git', ['clone', '--quiet', url.toString(), join(work, 'repo')], { env });
    expect(await readFile(join(work, 'repo', '.gitlab-ci.yml'), 'utf8')).toContain('echo test');
    await updateJob(h.emulator, job.jobId, job.jobToken, { state: 'success' });
    await expect(
      run('git', ['clone', '--quiet', url.toString(), join(work, 'again')], { env }),
    ).rejects.toThrow();
  });

  it('answers 401 with a Basic challenge without valid credentials', async () => {
    const res = await call(`${h.emulator.url}/acme/widgets.git/info/refs?service=git-upload-pack`, {
      method: 'GET',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="GitLab"');
    const wrong = await call(
      `${h.emulator.url}/acme/widgets.git/info/refs?service=git-upload-pack`,
      {
        method: 'GET',
        headers: {
          Authorization: `Basic ${Buffer.from('gitlab-ci-token:glcbt-nope').toString('base64')}`,
        },
      },
    );
    expect(wrong.status).toBe(401);
  });
});
