// Issue #5: a delivery whose job record cannot be taken at all (Redis refuses the record's
// scripts) and what a delivery can report when it cannot read its job. The records live on a
// Redis user whose every command is refused (ACL); registry, queue data and GitLab are real.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startGitlabEmulator } from '@taskfleet/emulator-gitlab';
import type { GitlabEmulator } from '@taskfleet/emulator-gitlab';
import { ConnectionPool, JobProcessor, JobRecords } from '@taskfleet/executor';
import { GitlabClient, buildRunnerInfo, systemClock } from '@taskfleet/gitlab';
import type { JobPayload } from '@taskfleet/gitlab';
import { encryptPayload } from '@taskfleet/job-queue';
import type { EncryptedPayload, QueuedJob } from '@taskfleet/job-queue';
import { createRegistry } from '@taskfleet/registry';
import { Redis } from 'ioredis';
import { pino } from 'pino';

import { acceptJobs } from './support/accept-jobs';

jest.setTimeout(60_000);

const logger = pino({ level: 'silent' });
const lines: string[] = [];
const processorLogger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
const runId = `${process.pid}-${randomBytes(3).toString('hex')}`;
const keyPrefix = `it-record-unavailable-${runId}`;
const user = `it-record-unavailable-${runId}`;
const payloadKey = randomBytes(32);
const ciYaml = `
retried:
  script:
    - echo retried-must-not-run-here
last-attempt:
  script:
    - echo last-attempt-must-not-run
unreadable:
  script:
    - echo unreadable-never-runs
`;

/** The envelope with one ciphertext byte flipped: GCM refuses all of it. */
function damaged(sealed: EncryptedPayload): EncryptedPayload {
  const ct = Buffer.from(sealed.ct, 'base64');
  ct[0] = (ct[0] ?? 0) ^ 0xff;
  return { ...sealed, ct: ct.toString('base64') };
}

describe('a delivery whose record cannot be written, or whose job cannot be read', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  const jobs = new Map<string, JobPayload>();
  let gitlab: GitlabEmulator;
  let processor: JobProcessor;

  beforeAll(async () => {
    gitlab = await startGitlabEmulator({ longPollTimeoutMs: 0 });
    cleanups.push(() => gitlab.close());
    const sourceDir = await mkdtemp(join(tmpdir(), 'record-unavailable-'));
    cleanups.push(() => rm(sourceDir, { recursive: true, force: true }));
    await writeFile(join(sourceDir, '.gitlab-ci.yml'), ciYaml);
    const project = await gitlab.admin.createProject({ path: 'acme/records', sourceDir });
    const runnerToken = gitlab.admin.createRunner({ description: 'records-it' }).token;
    const client = new GitlabClient({
      url: gitlab.url,
      logger,
      runnerInfo: buildRunnerInfo({ version: '0.1.0' }),
    });
    await gitlab.admin.createPipeline(project.id);
    for (const [name, job] of await acceptJobs(client, runnerToken, 3)) {
      jobs.set(name, job);
    }
    const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
    cleanups.push(async () => {
      await redis.call('ACL', 'DELUSER', user);
      const keys = await redis.keys(`*${keyPrefix}*`);
      if (keys.length > 0) {
        await redis.del(...keys);
      }
      await redis.quit();
    });
    const password = randomBytes(16).toString('hex');
    await redis.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '&*', '+@all');
    const refused = new Redis({
      host: '127.0.0.1',
      port: 6379,
      username: user,
      password,
      maxRetriesPerRequest: null,
    });
    cleanups.push(() =>
      refused.quit().catch(() => {
        refused.disconnect();
      }),
    );
    await refused.ping();
    // Connected and authenticated; from now on every command of this user fails (NOPERM).
    await redis.call('ACL', 'SETUSER', user, '-@all');
    const registry = createRegistry({ redis, keyPrefix, runnerKey: 'records', logger });
    const noInstance = () => Promise.reject(new Error('no instance may be reached here'));
    processor = new JobProcessor({
      registry,
      records: new JobRecords({ redis: refused, baseKey: registry.baseKey, payloadKey }),
      executorId: 'ex-records',
      instances: { connectInfo: noInstance },
      connections: new ConnectionPool({ dial: noInstance, clock: systemClock, logger }),
      client,
      payloadKey,
      clock: systemClock,
      logger: processorLogger,
      buildsDir: 'builds',
      instanceAcquireTimeoutMs: 1_000,
      finalUpdateDeadlineMs: 20_000,
    });
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup();
    }
  });

  function job(name: string): JobPayload {
    const found = jobs.get(name);
    if (found === undefined) {
      throw new Error(`no job ${name}`);
    }
    return found;
  }

  function queued(name: string, extra: Partial<QueuedJob> = {}): QueuedJob {
    return {
      gitlabJobId: job(name).id,
      runnerKey: 'records',
      acceptedAtMs: Date.now(),
      payload: encryptPayload(JSON.stringify(job(name)), payloadKey),
      ...extra,
    };
  }

  it('a record that cannot be taken before the last attempt: retried, GitLab not told yet', async () => {
    const { id } = job('retried');
    await expect(
      processor.process(queued('retried'), undefined, { finalAttempt: false }),
    ).rejects.toMatchObject({ code: 'job_record_unavailable' });
    // Nothing started, nothing decided: the next attempt may run it, so GitLab hears nothing.
    expect(gitlab.admin.getJob(id).status).toBe('running');
    expect(gitlab.admin.listRequests({ jobId: id, method: 'PUT' })).toHaveLength(1);
  });

  it('on the last attempt it is failed back to GitLab directly as runner_system_failure', async () => {
    const { id } = job('last-attempt');
    await expect(
      processor.process(queued('last-attempt'), undefined, { finalAttempt: true }),
    ).rejects.toMatchObject({ code: 'job_record_unavailable' });
    expect(gitlab.admin.getJob(id)).toMatchObject({
      status: 'failed',
      failureReason: 'runner_system_failure',
    });
    const trace = gitlab.admin.getTrace(id);
    expect(trace).toContain('the executor could not record the job, so it was not run');
    expect(trace).not.toContain('last-attempt-must-not-run');
    const log = lines.join('');
    expect(log).toContain('job delivery failed unexpectedly');
    expect(log).toContain(
      'job record cannot be relied on; reporting the final state to gitlab directly',
    );
    expect(log).not.toContain(job('last-attempt').token);
  });

  it('a damaged payload with a damaged id-and-token envelope is the one job GitLab cannot be told of', async () => {
    const { id, token } = job('unreadable');
    const entry = queued('unreadable', {
      payload: damaged(encryptPayload(JSON.stringify(job('unreadable')), payloadKey)),
      report: damaged(encryptPayload(JSON.stringify({ id, token }), payloadKey)),
    });
    await expect(processor.process(entry)).rejects.toMatchObject({ code: 'payload_unreadable' });
    // Without a token nothing can be sent: the job stays running until GitLab's own timeout.
    expect(gitlab.admin.getJob(id).status).toBe('running');
    expect(lines.join('')).toContain('could not decrypt job payload');
  });
});
