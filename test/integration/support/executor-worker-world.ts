// The world of the executor worker tests: jobs accepted in the GitLab emulator (as the poller
// does) are enqueued in real BullMQ on real Redis, claimed through the real registry and run over
// SSH on a real sshd instance of the AWS emulator, reached through the real AwsInstanceGroup.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CreateAutoScalingGroupCommand,
  SuspendProcessesCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import {
  createManualClock,
  createSshdInstanceHost,
  startAwsEmulator,
} from '@taskfleet/emulator-aws';
import type { AwsEmulator } from '@taskfleet/emulator-aws';
import { startGitlabEmulator } from '@taskfleet/emulator-gitlab';
import type { GitlabEmulator } from '@taskfleet/emulator-gitlab';
import { ExecutorWorker } from '@taskfleet/executor';
import type { ProcessResult } from '@taskfleet/executor';
import { GitlabClient, buildRunnerInfo, systemClock } from '@taskfleet/gitlab';
import type { JobPayload } from '@taskfleet/gitlab';
import { createJobQueue, encryptPayload, jobQueueName, jobQueuePrefix } from '@taskfleet/job-queue';
import type { JobQueue } from '@taskfleet/job-queue';
import { createRegistry } from '@taskfleet/registry';
import type { Registry } from '@taskfleet/registry';
import { QueueEvents } from 'bullmq';
import { AwsInstanceGroup } from '@taskfleet/provider-aws';
import { Redis } from 'ioredis';
import { pino } from 'pino';

import { acceptJobs } from './accept-jobs';
import { createAwsSdkClients } from './aws-sdk-clients';
import { linuxImageId } from './scenario-names';

const logger = pino({ level: 'silent' });
const bootDelayMs = 1_000;

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
  const cleanups: (() => Promise<unknown>)[] = [];
  const jobs = new Map<string, JobPayload>();

  const closeAll = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup();
    }
  };
  // A world that fails half-way up is taken down again: no emulator or worker is left running.
  try {
    const emulator = await startGitlabEmulator({ longPollTimeoutMs: 0, traceUpdateIntervalSec: 1 });
    cleanups.push(() => emulator.close());
    const sourceDir = await mkdtemp(join(tmpdir(), 'executor-worker-'));
    cleanups.push(() => rm(sourceDir, { recursive: true, force: true }));
    await writeFile(join(sourceDir, '.gitlab-ci.yml'), ciYaml);
    const project = await emulator.admin.createProject({ path: 'acme/queue', sourceDir });
    const runnerToken = emulator.admin.createRunner({ description: 'worker-it' }).token;
    const client = new GitlabClient({
      url: emulator.url,
      logger,
      runnerInfo: buildRunnerInfo({ version: '0.1.0' }),
      systemId: 's_0123456789ab',
    });
    await emulator.admin.createPipeline(project.id);
    for (const [name, job] of await acceptJobs(client, runnerToken, 10)) {
      jobs.set(name, job);
    }

    const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
    cleanups.push(async () => {
      // The registry keys and both queues all carry the unique prefix.
      const keys = await redis.keys(`*${keyPrefix}*`);
      if (keys.length > 0) {
        await redis.del(...keys);
      }
      await redis.quit();
    });
    const registry = createRegistry({ redis, keyPrefix, runnerKey: 'full', logger });
    const emptyRegistry = createRegistry({ redis, keyPrefix, runnerKey: 'empty', logger });

    // The cloud: a fleeting-plugin-aws style group on the AWS emulator, one sshd instance.
    const stateRoot = await mkdtemp(join('/var/tmp', 'taskfleet-executor-worker-'));
    cleanups.push(() => rm(stateRoot, { recursive: true, force: true }));
    const host = createSshdInstanceHost({ stateRoot });
    cleanups.push(() => host.close());
    const awsClock = createManualClock();
    const aws = await startAwsEmulator({
      clock: awsClock,
      instanceHost: host,
      defaultBootDelayMs: bootDelayMs,
    });
    cleanups.push(() => aws.close());
    const sdk = createAwsSdkClients(aws.endpoint);
    cleanups.push(async () => {
      sdk.destroy();
      await Promise.resolve();
    });
    const groupName = `exw-group-${runId}`;
    await sdk.ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: `exw-template-${runId}`,
        LaunchTemplateData: { ImageId: linuxImageId, InstanceType: 't3.micro' },
      }),
    );
    await sdk.autoScaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: groupName,
        LaunchTemplate: { LaunchTemplateName: `exw-template-${runId}`, Version: '$Latest' },
        MinSize: 0,
        MaxSize: 1,
        DesiredCapacity: 0,
        AvailabilityZones: ['us-east-1a'],
        NewInstancesProtectedFromScaleIn: true,
      }),
    );
    await sdk.autoScaling.send(
      new SuspendProcessesCommand({
        AutoScalingGroupName: groupName,
        ScalingProcesses: ['AZRebalance'],
      }),
    );
    const instances = new AwsInstanceGroup({
      name: groupName,
      region: 'us-east-1',
      endpoint: aws.endpoint,
      clientOverrides: {
        maxAttempts: 1,
        credentials: { accessKeyId: 'exw', secretAccessKey: 'exw' },
      },
    });
    cleanups.push(() => instances.shutdown());
    await instances.init();
    expect((await instances.increase(1)).requested).toBe(1);
    // Boot on the emulator's clock, polled with a bound: the sshd behind it is a real process.
    let members = await instances.update();
    for (let i = 0; i < 100 && members[0]?.state !== 'running'; i++) {
      awsClock.advance(bootDelayMs);
      await new Promise(resolve => setTimeout(resolve, 50));
      members = await instances.update();
    }
    expect(members).toEqual([expect.objectContaining({ state: 'running' })]);
    const instanceId = members[0]?.id ?? '';
    // The scaler's part: the instance is registered and ready with one slot.
    const lease = await registry.acquireLease('it-scaler', 600_000);
    if (!lease.acquired) {
      throw new Error('lease not acquired');
    }
    await registry.registerInstance(lease.fencingToken, {
      instanceId,
      state: 'booting',
      capacityPerInstance: 1,
      maxUseCount: 0,
    });
    await registry.markReady(instanceId, lease.fencingToken);

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
