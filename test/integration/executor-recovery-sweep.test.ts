// The executors' recovery sweep on its own: job records whose executor died (its lease ran out)
// and whose queue entry is gone are taken over from Redis alone, each in a root span. A started
// job is failed as runner_system_failure and never run; a job whose entry is still queued is
// left to it. A takeover that meets an unexpected error (Redis refusing the record) still tells
// GitLab at once and gives its lease up. Real Redis, the GitLab emulator, the real client; no
// instance is ever reached.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startGitlabEmulator } from '@taskfleet/emulator-gitlab';
import type { GitlabEmulator } from '@taskfleet/emulator-gitlab';
import { ConnectionPool, JobProcessor, JobRecords, RecoverySweep } from '@taskfleet/executor';
import { GitlabClient, buildRunnerInfo, systemClock } from '@taskfleet/gitlab';
import type { JobPayload } from '@taskfleet/gitlab';
import { createRegistry } from '@taskfleet/registry';
import { spanNames, startRecordingTracing, traceAttributes } from '@taskfleet/telemetry';
import type { RecordingTracing } from '@taskfleet/telemetry';
import { Redis } from 'ioredis';
import { pino } from 'pino';

import { acceptJobs } from './support/accept-jobs';

jest.setTimeout(60_000);

const logger = pino({ level: 'silent' });
const keyPrefix = `it-recovery-${process.pid}-${randomBytes(3).toString('hex')}`;
const payloadKey = randomBytes(32);
const ciYaml = `
started:
  script:
    - echo started-must-never-run
never-started:
  script:
    - echo never-started-must-not-run-here
still-queued:
  script:
    - echo still-queued-runs-from-its-entry
record-refused:
  script:
    - echo record-refused-must-never-run
`;

/** The real records, but the next `markFinished` of a listed job throws, as Redis refusing it. */
class RefusingRecords extends JobRecords {
  constructor(
    options: ConstructorParameters<typeof JobRecords>[0],
    private readonly refuse: Set<number>,
  ) {
    super(options);
  }

  override markFinished(...args: Parameters<JobRecords['markFinished']>): Promise<boolean> {
    if (this.refuse.delete(args[0])) {
      return Promise.reject(new Error('injected: redis refused the job record'));
    }
    return super.markFinished(...args);
  }
}

describe('recovery sweep', () => {
  const cleanups: (() => Promise<void>)[] = [];
  const jobs = new Map<string, JobPayload>();
  let gitlab: GitlabEmulator;
  let redis: Redis;
  let records: JobRecords;
  let tracing: RecordingTracing;
  let sweep: RecoverySweep;
  const queued = new Set<number>();
  // Jobs whose next `markFinished` throws, as Redis refusing the record would.
  const refuseFinish = new Set<number>();

  beforeAll(async () => {
    gitlab = await startGitlabEmulator({ longPollTimeoutMs: 0 });
    cleanups.push(() => gitlab.close());
    const sourceDir = await mkdtemp(join(tmpdir(), 'recovery-sweep-'));
    cleanups.push(() => rm(sourceDir, { recursive: true, force: true }));
    await writeFile(join(sourceDir, '.gitlab-ci.yml'), ciYaml);
    const project = await gitlab.admin.createProject({ path: 'acme/recovery', sourceDir });
    const runnerToken = gitlab.admin.createRunner({ description: 'recovery-it' }).token;
    const client = new GitlabClient({
      url: gitlab.url,
      logger,
      runnerInfo: buildRunnerInfo({ version: '0.1.0' }),
    });
    await gitlab.admin.createPipeline(project.id);
    for (const [name, job] of await acceptJobs(client, runnerToken, 4)) {
      jobs.set(name, job);
    }
    redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
    cleanups.push(async () => {
      const keys = await redis.keys(`*${keyPrefix}*`);
      if (keys.length > 0) {
        await redis.del(...keys);
      }
      await redis.quit();
    });
    const registry = createRegistry({ redis, keyPrefix, runnerKey: 'recovery', logger });
    records = new JobRecords({ redis, baseKey: registry.baseKey, payloadKey });
    tracing = startRecordingTracing('taskfleet-executor');
    cleanups.push(() => tracing.shutdown());
    const refusing = new RefusingRecords(
      { redis, baseKey: registry.baseKey, payloadKey },
      refuseFinish,
    );
    const processor = new JobProcessor({
      registry,
      records: refusing,
      executorId: 'ex-rescuer',
      instances: {
        connectInfo: () => Promise.reject(new Error('a takeover must not reach an instance')),
      },
      connections: new ConnectionPool({
        dial: () => Promise.reject(new Error('a takeover must not reach an instance')),
        clock: systemClock,
        logger,
      }),
      client,
      payloadKey,
      clock: systemClock,
      logger,
      buildsDir: 'builds',
      instanceAcquireTimeoutMs: 1_000,
      finalUpdateDeadlineMs: 20_000,
      tracer: tracing.tracer,
      runnerId: 7,
    });
    sweep = new RecoverySweep({
      records,
      processor,
      queueHasJob: id => Promise.resolve(queued.has(id)),
      clock: systemClock,
      logger,
    });
  });

  afterAll(async () => {
    await sweep.stop();
    for (const cleanup of cleanups.reverse()) {
      await cleanup();
    }
  });

  /** What an executor that died leaves: its record under a lease that ran out an hour ago. */
  async function leftByDeadExecutor(name: string, started: boolean): Promise<number> {
    const job = jobs.get(name);
    if (job === undefined) {
      throw new Error(`no job ${name}`);
    }
    const deadOwner = 'ex-dead:0001';
    const longAgoMs = Date.now() - 3_600_000;
    const target = {
      id: job.id,
      token: job.token,
      maskedValues: [],
      tokenMaskPrefixes: [],
      failureReasons: undefined,
    };
    expect((await records.take(job.id, deadOwner, longAgoMs, 1_000, target)).taken).toBe(true);
    if (started) {
      expect(await records.markStarted(job.id, deadOwner, longAgoMs)).toBe(true);
    }
    return job.id;
  }

  function recoverSpanOf(id: number): Record<string, unknown> | undefined {
    const span = tracing
      .spans()
      .find(
        s =>
          s.name === spanNames.executorRecover && s.attributes[traceAttributes.gitlabJobId] === id,
      );
    return span === undefined
      ? undefined
      : { ...span.attributes, parent: span.parentSpanContext?.spanId };
  }

  it('fails a started job as runner_system_failure, never runs it, and traces the takeover', async () => {
    const id = await leftByDeadExecutor('started', true);
    const neverStarted = await leftByDeadExecutor('never-started', false);
    const stillQueued = await leftByDeadExecutor('still-queued', false);
    queued.add(stillQueued);
    await sweep.sweepOnce();
    await sweep.settled();

    expect(gitlab.admin.getJob(id)).toMatchObject({
      status: 'failed',
      failureReason: 'runner_system_failure',
    });
    expect(gitlab.admin.getTrace(id)).toContain('started before and its executor stopped');
    expect(gitlab.admin.getTrace(id)).not.toContain('started-must-never-run');
    expect(recoverSpanOf(id)).toMatchObject({
      [traceAttributes.outcome]: 'system_failure',
      [traceAttributes.runnerId]: 7,
      parent: undefined,
    });

    // Claimed but never started, and no queue entry left to run it: failed, not lost.
    expect(gitlab.admin.getJob(neverStarted)).toMatchObject({
      status: 'failed',
      failureReason: 'runner_system_failure',
    });
    expect(gitlab.admin.getTrace(neverStarted)).toContain('lost before it started');
    expect(recoverSpanOf(neverStarted)).toMatchObject({
      [traceAttributes.outcome]: 'system_failure',
    });

    // Its queue entry will be redelivered: the sweep leaves the job running for it.
    expect(gitlab.admin.getJob(stillQueued).status).toBe('running');
    expect(recoverSpanOf(stillQueued)).toMatchObject({
      [traceAttributes.outcome]: 'left_to_queue',
    });
  });

  it('a takeover whose record write throws still fails the job in gitlab once and frees the lease', async () => {
    const id = await leftByDeadExecutor('record-refused', true);
    refuseFinish.add(id);
    await sweep.sweepOnce();
    await sweep.settled();

    // Told in the same round, not after the lease ran out and another round came.
    expect(refuseFinish.has(id)).toBe(false);
    expect(gitlab.admin.getJob(id)).toMatchObject({
      status: 'failed',
      failureReason: 'runner_system_failure',
    });
    expect(gitlab.admin.getTrace(id)).toContain('started before and its executor stopped');
    expect(gitlab.admin.getTrace(id)).not.toContain('record-refused-must-never-run');
    expect(await records.stageOf(id)).toBe('delivered');

    // Nothing is left for a later round: no second final state, no orphan.
    await sweep.sweepOnce();
    await sweep.settled();
    const finals = gitlab.admin
      .listRequests({ jobId: id, method: 'PUT' })
      .filter(r => (r.json as { state?: unknown } | undefined)?.state === 'failed');
    expect(finals).toHaveLength(1);
    expect(await records.orphanedJobIds(Date.now() + 3_600_000, 100)).not.toContain(id);
  });
});
