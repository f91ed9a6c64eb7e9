// A job GitLab ends mid-script (forced cancel, B17/B22) goes through JobRun.finish's
// "abandoned" path while Redis refuses the registry's commands (an ACL that keeps only the job
// records and the queue), so the slot release throws. The record must not be marked delivered
// before the slot is freed: a delivered record is never swept, so the claim would stay for good
// once Redis is whole again and the instance would never be idle.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

import { ExecutorWorker, JobRecords } from '@taskfleet/executor';
import { GitlabClient, buildRunnerInfo, systemClock } from '@taskfleet/gitlab';
import { queueJobId } from '@taskfleet/job-queue';
import { createRegistry } from '@taskfleet/registry';
import { Redis } from 'ioredis';
import { pino } from 'pino';

import { startDurabilityWorld } from './support/durability-world';
import type { DurabilityWorld } from './support/durability-world';
import { until } from './support/taskfleet-processes';

jest.setTimeout(120_000);

const logger = pino({ level: 'silent' });
const workerLines: string[] = [];
const workerLogger = pino({ level: 'info' }, { write: (line: string) => workerLines.push(line) });

describe('a job GitLab ends while Redis refuses the registry', () => {
  let world: DurabilityWorld;
  let workerRedis: Redis;
  let worker: ExecutorWorker;
  let records: JobRecords;
  const user = `it-breaker-slot-${process.pid}-${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    world = await startDurabilityWorld({
      name: 'brk-slot',
      jobCount: 1,
      instanceCount: 1,
      capacityPerInstance: 1,
      script: [
        'echo "$CI_JOB_ID" >> "$HOME/ran.log"',
        'echo waiting-for-cancel',
        'for i in $(seq 600); do echo tick $i; sleep 0.1; done',
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
      client: new GitlabClient({
        url: world.gitlab.url,
        logger,
        runnerInfo: buildRunnerInfo({ version: '0.1.0' }),
        retryPolicy: { maxAttempts: 2, minBackoffMs: 50, maxBackoffMs: 200 },
      }),
      payloadKey: world.payloadKey,
      clock: systemClock,
      logger: workerLogger,
      buildsDir: 'builds',
      concurrency: 1,
      instanceAcquireTimeoutMs: 60_000,
      slotPollIntervalMs: 100,
      traceUpdateIntervalMs: 300,
      finalUpdateDeadlineMs: 60_000,
      jobLeaseMs: 1500,
      lockDurationMs: 1500,
      stalledIntervalMs: 1000,
      recoveryIntervalMs: 1000,
    });
    await worker.start();
  });

  afterAll(async () => {
    await world.redis.call('ACL', 'SETUSER', user, 'resetkeys', '~*').catch(() => undefined);
    await worker.close();
    await workerRedis.quit();
    await world.redis.call('ACL', 'DELUSER', user);
    await world.close();
  });

  it('frees the slot once Redis takes the registry again', async () => {
    const job = world.jobs[0];
    if (job === undefined) {
      throw new Error('no job');
    }
    const { id } = job;
    await world.enqueue(job);
    await until(
      'script running',
      () => world.gitlab.admin.getTrace(id).includes('waiting-for-cancel'),
      60_000,
    );
    expect((await world.registry.snapshot()).claimedSlots).toBe(1);
    // The registry's keys refused; the job records (`:job:`, `:jobs-open`) and the queue open.
    const base = world.registry.baseKey;
    execFileSync('redis-cli', ['ACL', 'SETUSER', user, 'resetkeys', `~${base}:j*`]);
    world.gitlab.admin.cancelJob(id, 'forced');
    await until(
      'the failed delivery retried while the registry is refused',
      async () =>
        world.gitlab.admin.getJob(id).status === 'canceled' &&
        ((await world.queue.queue.getJob(queueJobId(id)))?.attemptsMade ?? 0) >= 2,
      30_000,
    );
    // Redis whole again: a later delivery, the sweep or anything else should free the claim.
    execFileSync('redis-cli', ['ACL', 'SETUSER', user, 'resetkeys', '~*']);
    let claimed = -1;
    try {
      await until(
        'slot freed',
        async () =>
          (claimed = (await world.registry.snapshot()).claimedSlots) === 0 &&
          (await records.stageOf(id)) === 'delivered',
        30_000,
      );
    } catch {
      // reported below with the figure
    }
    expect({ claimed, stage: await records.stageOf(id) }).toEqual({
      claimed: 0,
      stage: 'delivered',
    });
  });
});
