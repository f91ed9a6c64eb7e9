// A poller and an executor configured with different payload_encryption_keys: the executor
// cannot open the jobs the poller queued. Each such job is failed back to GitLab as
// runner_system_failure (by the poller, whose key sealed it) with the reason in its log; the
// executor writes one error line per job naming the problem and the two key ids, never a key,
// and goes on taking jobs. Real Redis, the GitLab emulator and two `taskfleet run` processes.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { checkProblemsExitCode, demoConfigToml, runCheck } from '@taskfleet/cli';
import { startDemoWorld } from '@taskfleet/cli';
import type { DemoWorld } from '@taskfleet/cli';
import { FailBackRequests, runnerKeyFor } from '@taskfleet/job-queue';
import { Redis } from 'ioredis';
import { pino } from 'pino';

import { killTaskfleetRuns, startTaskfleetRun, until } from './support/taskfleet-processes';
import type { TaskfleetProcess } from './support/taskfleet-processes';

jest.setTimeout(60_000);

const keyPrefix = `it-keys-${process.pid}-${randomBytes(3).toString('hex')}`;
const handedBack =
  'job encrypted under another payload_encryption_key than this executor has; handed back for a poller to fail';

function payloadKeyOf(toml: string): string {
  const found = /payload_encryption_key = "([^"]+)"/.exec(toml)?.[1];
  if (found === undefined) {
    throw new Error('no payload key in the demo config');
  }
  return found;
}

function logLines(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter(line => line.startsWith('{'))
    .map(line => JSON.parse(line) as Record<string, unknown>);
}

describe('payload key mismatch between poller and executor', () => {
  let world: DemoWorld;
  let workDir: string;
  let redis: Redis;
  const children: TaskfleetProcess[] = [];

  beforeAll(async () => {
    world = await startDemoWorld(pino({ level: 'silent' }));
    redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
    workDir = await mkdtemp(join(tmpdir(), 'it-keys-'));
  });

  afterAll(async () => {
    await killTaskfleetRuns(children);
    await world.close();
    const keys = await redis.keys(`*${keyPrefix}*`);
    if (keys.length > 0) {
      await redis.del(...keys);
    }
    await redis.quit();
    await rm(workDir, { recursive: true, force: true });
  });

  it('fails each job back as runner_system_failure, logs it once, and keeps running', async () => {
    // Each demo config carries a fresh random key: the two processes disagree.
    const input = { world, redisUrl: 'redis://127.0.0.1:6379', keyPrefix };
    const pollerToml = demoConfigToml(input);
    const executorToml = demoConfigToml(input);
    const keys = [payloadKeyOf(pollerToml), payloadKeyOf(executorToml)];
    expect(keys[0]).not.toBe(keys[1]);
    await writeFile(join(workDir, 'poller.toml'), pollerToml);
    await writeFile(join(workDir, 'executor.toml'), executorToml);
    const executor = startTaskfleetRun('executor', join(workDir, 'executor.toml'));
    const poller = startTaskfleetRun('poller', join(workDir, 'poller.toml'));
    children.push(executor, poller);

    const sourceDir = join(workDir, 'project');
    await mkdir(sourceDir);
    await writeFile(
      join(sourceDir, '.gitlab-ci.yml'),
      'sealed:\n  parallel: 2\n  script:\n    - echo never runs\n',
    );
    const project = await world.gitlab.admin.createProject({
      path: `it/keys-${randomBytes(3).toString('hex')}`,
      sourceDir,
    });
    const pipeline = await world.gitlab.admin.createPipeline(project.id);
    const jobIds = pipeline.jobs.map(j => j.id);
    expect(jobIds).toHaveLength(2);
    const finished = () => jobIds.map(id => world.gitlab.admin.getJob(id));
    await until(
      'both jobs failed back',
      () => finished().every(j => j.status === 'failed'),
      30_000,
    ).catch((error: unknown) => {
      throw new Error(
        `${String(error)}; executor: ${executor.stderr.slice(-2000)}; poller: ${poller.stderr.slice(-2000)}`,
      );
    });

    for (const job of finished()) {
      expect(job.failureReason).toBe('runner_system_failure');
      expect(world.gitlab.admin.getTrace(job.id)).toContain(
        "the executor's payload_encryption_key differs from the poller's",
      );
    }
    // One error line per job, naming the problem and the key ids; nothing else at error level.
    const errors = logLines(executor.stderr).filter(line => Number(line.level) >= 50);
    expect(errors.map(line => line.msg)).toEqual([handedBack, handedBack]);
    expect(errors.map(line => line.jobId).sort()).toEqual([...jobIds].sort());
    for (const line of errors) {
      expect(line.jobKeyId).toMatch(/^[0-9a-f]{16}$/);
      expect(line.executorKeyId).toMatch(/^[0-9a-f]{16}$/);
      expect(line.jobKeyId).not.toBe(line.executorKeyId);
    }
    for (const key of keys) {
      const hex = Buffer.from(key, 'base64').toString('hex');
      for (const child of children) {
        expect(child.stderr).not.toContain(key);
        expect(child.stderr).not.toContain(hex);
      }
    }
    // Both processes are still up, and no hand-back is left waiting.
    expect(executor.process.exitCode).toBeNull();
    expect(poller.process.exitCode).toBeNull();
    const requests = new FailBackRequests(
      redis,
      keyPrefix,
      runnerKeyFor({ url: world.gitlab.url, id: world.runnerId, token: '' }),
    );
    await until('hand-backs cleared', async () => (await requests.list()).length === 0, 10_000);

    // taskfleet check names the mismatch by key ids, whichever of the two configs it is given.
    const [jobKeyId, executorKeyId] = [errors[0]?.jobKeyId, errors[0]?.executorKeyId];
    for (const file of ['poller.toml', 'executor.toml']) {
      const lines: string[] = [];
      const code = await runCheck({ configPath: join(workDir, file) }, line => lines.push(line));
      const named = lines.filter(line => line.includes('payload_key_mismatch'));
      expect({ file, code }).toEqual({ file, code: checkProblemsExitCode });
      expect(named.join('\n')).toContain(
        `an executor with payload key id ${String(executorKeyId)} could not open a job sealed under key id ${String(jobKeyId)}`,
      );
      expect(lines.join('\n')).not.toContain(keys[0]);
      expect(lines.join('\n')).not.toContain(keys[1]);
    }
  });
});
