// The world of the executor worker tests: jobs accepted in the GitLab emulator (as the poller
// does) are enqueued in real BullMQ on real Redis, claimed through the real registry and run over
// SSH on a real sshd instance of the AWS emulator, reached through the real AwsInstanceGroup.
import { randomBytes } from 'node:crypto';

import type { AwsEmulator } from '@taskfleet/emulator-aws';
import type { GitlabEmulator } from '@taskfleet/emulator-gitlab';
import { ExecutorWorker } from '@taskfleet/executor';
import type { ProcessResult } from '@taskfleet/executor';
import { systemClock } from '@taskfleet/gitlab';
import type { GitlabClient, JobPayload } from '@taskfleet/gitlab';
import { createJobQueue, encryptPayload, jobQueueName, jobQueuePrefix } from '@taskfleet/job-queue';
import type { JobQueue } from '@taskfleet/job-queue';
import { createRegistry } from '@taskfleet/registry';
import type { Registry } from '@taskfleet/registry';
import { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino } from 'pino';

import type { Cleanups } from './sshd-job-world';
import {
  openPrefixedRedis,
  runCleanups,
  startGitlabWithAcceptedJobs,
  startReadySshdInstance,
} from './sshd-job-world';

const logger = pino({ level: 'silent' });

const ciYaml = `
passes:
  script:
    - echo "worker ran $CI_JOB_NAME"
fails:
  script:
    - echo before-failure
    - exit 3
started-before:
  script:
    - echo must-never-run
lonely:
  script:
    - echo must-never-run-either
broken:
  script:
    - echo broken-never-runs
damaged:
  script:
    - echo damaged-never-runs
trace-reset:
  script:
    - echo part-one
    - sleep 2
    - echo part-two
debug-traced:
  variables:
    CI_DEBUG_TRACE: "true"
  script:
    - echo traced-line
outbox-takeover:
  script:
    - echo outbox-never-runs
lost:
  script:
    - echo lost-started
    - sleep 57
`;

/** One executor-worker world: the jobs of `ciYaml` accepted, a worker on one sshd and one on none. */
export interface ExecutorWorkerWorld {
  readonly emulator: GitlabEmulator;
  readonly client: GitlabClient;
  readonly redis: Redis;
  readonly registry: Registry;
  /** The registry of the runner with no instance at all. */
  readonly emptyRegistry: Registry;
  readonly aws: AwsEmulator;
  readonly instanceId: string;
  readonly queue: JobQueue;
  readonly events: QueueEvents;
  readonly jobs: ReadonlyMap<string, JobPayload>;
  readonly payloadKey: Buffer;
  /** The workers' own log lines (debug and up), to check that no secret reaches them. */
  readonly workerLogLines: string[];
  job(name: string): JobPayload;
  /** Enqueues the job as the poller does (idempotent by GitLab job id) and waits for its result. */
  enqueue(name: string, target?: 'full' | 'empty', body?: unknown): Promise<ProcessResult>;
  close(): Promise<void>;
}

/**
 * Starts the GitLab and AWS emulators, one sshd instance registered ready, and two executor
 * workers on their own Redis key prefix: one for a runner with the instance, one with none.
 */
export async function startExecutorWorkerWorld(): Promise<ExecutorWorkerWorld> {
  const runId = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const keyPrefix = `it-exw-${runId}`;
  const payloadKey = randomBytes(32);
  const workerLogLines: string[] = [];
  const workerLogger = pino(
    { level: 'debug' },
    { write: (line: string) => workerLogLines.push(line) },
  );
  const cleanups: Cleanups = [];
  const closeAll = (): Promise<void> => runCleanups(cleanups);
  // A world that fails half-way up is taken down again: no emulator or worker is left running.
  try {
    const { emulator, client, jobs } = await startGitlabWithAcceptedJobs(cleanups, {
      ciYaml,
      sourceDirPrefix: 'executor-worker-',
      projectPath: 'acme/queue',
      runnerDescription: 'worker-it',
    });
    const redis = openPrefixedRedis(cleanups, keyPrefix);
    const registry = createRegistry({ redis, keyPrefix, runnerKey: 'full', logger });
    const emptyRegistry = createRegistry({ redis, keyPrefix, runnerKey: 'empty', logger });
    // The cloud: a fleeting-plugin-aws style group on the AWS emulator, one sshd instance.
    const { aws, instances, instanceId } = await startReadySshdInstance(cleanups, {
      runId,
      tag: 'exw',
      stateRootPrefix: 'taskfleet-executor-worker-',
      registry,
    });

    const common = {
      redis,
      keyPrefix,
      instances,
      client,
      payloadKey,
      clock: systemClock,
      logger: workerLogger,
      buildsDir: 'builds',
      concurrency: 2,
      slotPollIntervalMs: 100,
      traceUpdateIntervalMs: 200,
      finalUpdateDeadlineMs: 30_000,
      // Takeovers are driven by the deliveries themselves here, not by the periodic sweep.
      recoveryIntervalMs: 600_000,
    };
    for (const [name, reg] of [
      ['full', registry],
      ['empty', emptyRegistry],
    ] as const) {
      const worker = new ExecutorWorker({
        ...common,
        registry: reg,
        runnerKey: name,
        instanceAcquireTimeoutMs: 1500,
      });
      await worker.start();
      await worker.start(); // idempotent
      cleanups.push(() => worker.close());
    }
    const connection = { host: '127.0.0.1', port: 6379 };
    const queue = createJobQueue({ connection: redis, prefix: keyPrefix, runnerKey: 'full' });
    const emptyQueue = createJobQueue({ connection: redis, prefix: keyPrefix, runnerKey: 'empty' });
    const eventsOf = (runnerKey: string): QueueEvents =>
      new QueueEvents(jobQueueName(runnerKey), {
        connection,
        prefix: jobQueuePrefix(keyPrefix, runnerKey),
      });
    const events = eventsOf('full');
    const emptyEvents = eventsOf('empty');
    for (const closable of [queue, emptyQueue, events, emptyEvents]) {
      cleanups.push(async () => {
        await closable.close();
      });
    }
    await Promise.all([events.waitUntilReady(), emptyEvents.waitUntilReady()]);

    function job(name: string): JobPayload {
      const found = jobs.get(name);
      if (found === undefined) {
        throw new Error(`no job ${name}`);
      }
      return found;
    }

    /** Enqueues the job as the poller does (idempotent by GitLab job id) and waits for its result. */
    async function enqueue(
      name: string,
      target: 'full' | 'empty' = 'full',
      body: unknown = job(name),
    ): Promise<ProcessResult> {
      const q = target === 'full' ? queue : emptyQueue;
      const { queueJobId } = await q.enqueue({
        gitlabJobId: job(name).id,
        runnerKey: target,
        acceptedAtMs: Date.now(),
        payload: encryptPayload(JSON.stringify(body), payloadKey),
      });
      const added = await q.queue.getJob(queueJobId);
      if (added === undefined) {
        throw new Error('job not in the queue');
      }
      return (await added.waitUntilFinished(
        target === 'full' ? events : emptyEvents,
        60_000,
      )) as ProcessResult;
    }

    return {
      emulator,
      client,
      redis,
      registry,
      emptyRegistry,
      aws,
      instanceId,
      queue,
      events,
      jobs,
      payloadKey,
      workerLogLines,
      job,
      enqueue,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** Invariant 7: no job token and not the payload key reached the world's worker log. */
export function expectNoSecretsLogged(
  world: Pick<ExecutorWorkerWorld, 'workerLogLines' | 'jobs' | 'payloadKey'>,
): void {
  const log = world.workerLogLines.join('');
  for (const { token } of world.jobs.values()) {
    expect(log).not.toContain(token);
  }
  expect(log).not.toContain(world.payloadKey.toString('base64'));
  expect(log).not.toContain(world.payloadKey.toString('hex'));
}
