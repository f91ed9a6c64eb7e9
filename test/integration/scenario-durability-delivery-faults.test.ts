// Issue #5, nothing accepted is lost: an unexpected error in the middle of a delivery still ends
// with GitLab told, once. The executor runs in this process on its own Redis user, so Redis can
// refuse its every command (ACL) mid-job while the test's own connection looks on; its GitLab
// client is the real one with one injected throw. Real Redis, BullMQ, sshd and the emulators.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { ExecutorWorker, JobRecords } from '@taskfleet/executor';
import { GitlabClient, buildRunnerInfo, systemClock } from '@taskfleet/gitlab';
import type { JobPayload } from '@taskfleet/gitlab';
import { queueJobId } from '@taskfleet/job-queue';
import { createRegistry } from '@taskfleet/registry';
import { Redis } from 'ioredis';
import { pino } from 'pino';

import { startDurabilityWorld } from './support/durability-world';
import type { DurabilityWorld } from './support/durability-world';
import { until } from './support/taskfleet-processes';

jest.setTimeout(120_000);

const logger = pino({ level: 'silent' });
// The executor's own log: the lines a person looks for after such a fault.
const workerLines: string[] = [];
const workerLogger = pino({ level: 'info' }, { write: (line: string) => workerLines.push(line) });

/** One injected throw: the first call of `method` for `jobId` whose `state` matches. */
interface ClientFault {
  readonly method: 'updateJob' | 'patchTrace';
  readonly jobId: number;
  readonly state?: string;
  fired: boolean;
}

/** The real client, but a call a fault names throws once instead of answering. */
function throwingClient(real: GitlabClient, faults: ClientFault[]): GitlabClient {
  return new Proxy(real, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') {
        return value;
      }
      return (...args: unknown[]) => {
        const state = (args[2] as { state?: unknown } | undefined)?.state;
        const fault = faults.find(
          f =>
            !f.fired &&
            f.method === prop &&
            f.jobId === args[0] &&
            (f.state === undefined || f.state === state),
        );
        if (fault !== undefined) {
          fault.fired = true;
          return Promise.reject(new TypeError('injected gitlab client fault'));
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe('unexpected errors mid-delivery still reach GitLab once', () => {
  let world: DurabilityWorld;
  let workerRedis: Redis;
  let worker: ExecutorWorker;
  let records: JobRecords;
  const faults: ClientFault[] = [];
  // The job whose record Redis stops taking right before its start is written (a test hook).
  let recordsRefusedAt: number | undefined;
  const user = `it-delivery-faults-${process.pid}-${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    world = await startDurabilityWorld({
      name: 'dur-faults',
      jobCount: 4,
      instanceCount: 1,
      capacityPerInstance: 2,
      script: [
        'echo "$CI_JOB_ID" >> "$HOME/ran.log"',
        // job-2 waits (bounded) for the test to say go, so Redis can be cut under it.
        'if [ "$CI_JOB_NAME" = job-2 ]; then echo waiting-for-go; for i in ' +
          '$(seq 600); do [ -e "$HOME/go" ] && break; sleep 0.1; done; fi',
        'echo "script of $CI_JOB_NAME done"',
      ],
    });
    const password = randomBytes(16).toString('hex');
    await world.redis.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '&*', '+@all');
    workerRedis = new Redis({
      host: '127.0.0.1',
      port: 6379,
      username: user,
      password,
      maxRetriesPerRequest: null,
    });
    records = new JobRecords({
      redis: world.redis,
      baseKey: world.registry.baseKey,
      payloadKey: world.payloadKey,
    });
    const client = new GitlabClient({
      url: world.gitlab.url,
      logger,
      runnerInfo: buildRunnerInfo({ version: '0.1.0' }),
      retryPolicy: { maxAttempts: 2, minBackoffMs: 50, maxBackoffMs: 200 },
    });
    worker = new ExecutorWorker({
      redis: workerRedis,
      keyPrefix: world.keyPrefix,
      runnerKey: world.runnerKey,
      registry: createRegistry({
        redis: workerRedis,
        keyPrefix: world.keyPrefix,
        runnerKey: world.runnerKey,
        logger,
      }),
      instances: world.instances,
      client: throwingClient(client, faults),
      payloadKey: world.payloadKey,
      clock: systemClock,
      logger: workerLogger,
      buildsDir: 'builds',
      concurrency: 2,
      instanceAcquireTimeoutMs: 60_000,
      slotPollIntervalMs: 100,
      traceUpdateIntervalMs: 300,
      finalUpdateDeadlineMs: 60_000,
      jobLeaseMs: 1500,
      lockDurationMs: 1500,
      stalledIntervalMs: 1000,
      recoveryIntervalMs: 1000,
      hooks: {
        beforeStarted: jobId => {
          if (jobId !== recordsRefusedAt) {
            return;
          }
          recordsRefusedAt = undefined;
          // Synchronous, so the ACL holds before the start is written. Every key of the runner
          // stays open but the job records (`:job:<id>`, `:jobs-open`): queue and registry work.
          const base = world.registry.baseKey;
          execFileSync('redis-cli', [
            ...['ACL', 'SETUSER', user, 'resetkeys'],
            ...[`~${base}:[^j]*`, `~${base}:jobs-${world.runnerKey}:*`],
          ]);
        },
      },
    });
    await worker.start();
  });

  afterAll(async () => {
    await world.redis.call('ACL', 'SETUSER', user, '+@all').catch(() => undefined);
    await worker.close();
    await workerRedis.quit();
    await world.redis.call('ACL', 'DELUSER', user);
    await world.close();
  });

  function job(index: number): JobPayload {
    const found = world.jobs[index];
    if (found === undefined) {
      throw new Error(`no job ${index}`);
    }
    return found;
  }

  function isFinal(id: number): boolean {
    return ['success', 'failed', 'canceled'].includes(world.gitlab.admin.getJob(id).status);
  }

  /** Final states GitLab took for the job (a 200 to a PUT that ended it). */
  function acceptedFinalPuts(id: number): number {
    return world.gitlab.admin
      .listRequests({ jobId: id, method: 'PUT' })
      .filter(r => r.status === 200 && (r.json as { state?: string }).state !== 'running').length;
  }

  /** The job's claim, record and queue entry are all settled. */
  async function settled(id: number): Promise<void> {
    await until(
      `job ${id} settled`,
      async () =>
        (await world.registry.snapshot()).claimedSlots === 0 &&
        (await records.stageOf(id)) === 'delivered' &&
        ['completed', 'failed'].includes(await world.queue.queue.getJobState(queueJobId(id))),
      30_000,
    );
  }

  it('a GitLab client that throws before the slot: the queue retries and the job runs, once', async () => {
    const { id } = job(0);
    // The keep-alive that asks whether GitLab still wants the job, before it takes a slot.
    faults.push({ method: 'updateJob', jobId: id, state: 'running', fired: false });
    await world.enqueue(job(0));
    await until(`job ${id} final`, () => isFinal(id), 60_000);
    expect(faults[0]?.fired).toBe(true);
    expect(world.gitlab.admin.getJob(id).status).toBe('success');
    expect(world.gitlab.admin.getTrace(id)).toContain('script of job-0 done');
    await settled(id);
    expect(acceptedFinalPuts(id)).toBe(1);
    expect((await world.ranJobIds()).filter(r => r === id)).toHaveLength(1);
    const entry = await world.queue.queue.getJob(queueJobId(id));
    // Two attempts: the one the throw failed, and the retry that ran the job.
    expect(entry?.attemptsMade).toBe(2);
    expect(entry?.returnvalue).toBe('success');
  });

  it('a GitLab client that throws on the final PUT: retried as a failed call, the entry completes', async () => {
    const { id } = job(1);
    faults.push({ method: 'updateJob', jobId: id, state: 'success', fired: false });
    await world.enqueue(job(1));
    await until(`job ${id} final`, () => isFinal(id), 60_000);
    expect(faults[1]?.fired).toBe(true);
    expect(world.gitlab.admin.getJob(id).status).toBe('success');
    expect(world.gitlab.admin.getTrace(id)).toContain('Job succeeded');
    await settled(id);
    expect(acceptedFinalPuts(id)).toBe(1);
    expect((await world.ranJobIds()).filter(r => r === id)).toHaveLength(1);
    expect(await world.queue.queue.getJobState(queueJobId(id))).toBe('completed');
    expect(workerLines.join('')).toContain('gitlab client threw instead of answering');
  });

  it('Redis refusing the job record right before the start: retried with back-off, then run once', async () => {
    const { id } = job(3);
    recordsRefusedAt = id;
    await world.enqueue(job(3));
    // The queue offers the entry again and again while the record stays refused ...
    await until(
      'two failed attempts',
      async () => ((await world.queue.queue.getJob(queueJobId(id)))?.attemptsMade ?? 0) >= 2,
      30_000,
    );
    expect(isFinal(id)).toBe(false);
    expect((await world.ranJobIds()).filter(r => r === id)).toHaveLength(0);
    // ... and once Redis takes it again, the next attempt runs the job.
    await world.redis.call('ACL', 'SETUSER', user, 'resetkeys', '~*');
    await until(`job ${id} final`, () => isFinal(id), 60_000);
    expect(world.gitlab.admin.getJob(id).status).toBe('success');
    expect(world.gitlab.admin.getTrace(id)).toContain('script of job-3 done');
    await settled(id);
    expect(acceptedFinalPuts(id)).toBe(1);
    expect((await world.ranJobIds()).filter(r => r === id)).toHaveLength(1);
  });

  it('Redis refusing every command mid-script: GitLab gets the real result at once, then all is tidied', async () => {
    const { id } = job(2);
    await world.enqueue(job(2));
    await until(
      'script waiting',
      () => world.gitlab.admin.getTrace(id).includes('waiting-for-go'),
      60_000,
    );
    // From here the executor's every Redis command fails (NOPERM): no lease renewal, no outbox.
    await world.redis.call('ACL', 'SETUSER', user, '-@all');
    const [home] = await world.ranHomes();
    if (home === undefined) {
      throw new Error('no instance home with ran.log');
    }
    await writeFile(join(home, 'go'), '');
    // Told while Redis still refuses: nothing durable could be written, GitLab has it anyway.
    await until(`job ${id} final`, () => isFinal(id), 60_000);
    expect(world.gitlab.admin.getJob(id).status).toBe('success');
    const trace = world.gitlab.admin.getTrace(id);
    expect(trace).toContain('script of job-2 done');
    expect(trace).toContain('Job succeeded');
    expect(workerLines.join('')).toContain(
      'job record cannot be relied on; reporting the final state to gitlab directly',
    );
    // Redis is back: the slot, the record and the queue entry are settled by a later delivery.
    await world.redis.call('ACL', 'SETUSER', user, '+@all');
    await settled(id);
    expect(acceptedFinalPuts(id)).toBe(1);
    expect(world.gitlab.admin.getJob(id).status).toBe('success');
    // The record said started: the later delivery failed it, which GitLab refused; no log added.
    expect(world.gitlab.admin.getTrace(id)).toBe(trace);
    expect((await world.ranJobIds()).filter(r => r === id)).toHaveLength(1);
  });
});
