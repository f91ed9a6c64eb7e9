// The world of the durability and chaos tests: the GitLab emulator with one pipeline of N jobs
// (each appends its job id to ~/ran.log on the instance), the AWS emulator with real sshd
// instances registered ready in the registry, the runner's BullMQ queue, and executors run as
// their own processes (support/executor-child.cjs) that a test may SIGKILL.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

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
import { GitlabClient, buildRunnerInfo } from '@taskfleet/gitlab';
import type { JobPayload } from '@taskfleet/gitlab';
import { createJobQueue, encryptPayload } from '@taskfleet/job-queue';
import type { JobQueue } from '@taskfleet/job-queue';
import { AwsInstanceGroup } from '@taskfleet/provider-aws';
import { createRegistry } from '@taskfleet/registry';
import type { Registry } from '@taskfleet/registry';
import { Redis } from 'ioredis';
import { pino } from 'pino';

import { createAwsSdkClients } from './aws-sdk-clients';
import { linuxImageId } from './scenario-names';

const childMain = join(__dirname, 'executor-child.cjs');
const bootDelayMs = 1_000;

/** Settings of the world. */
export interface DurabilityWorldOptions {
  readonly name: string;
  readonly jobCount: number;
  readonly instanceCount: number;
  readonly capacityPerInstance: number;
  /** The script of every job; defaults to appending its id to ~/ran.log. */
  readonly script?: readonly string[];
}

/** Timings and kill points of one executor process. */
export interface ExecutorChildSettings {
  readonly concurrency?: number;
  readonly jobLeaseMs?: number;
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  readonly recoveryIntervalMs?: number;
  readonly finalUpdateDeadlineMs?: number;
  readonly instanceAcquireTimeoutMs?: number;
  readonly keepaliveIntervalMs?: number;
  readonly keepaliveCountMax?: number;
  readonly queuedCheckIntervalMs?: number;
  readonly diskPressurePercent?: number;
  /** The executor's SSH connection pool (ExecutorWorkerOptions of the same names). */
  readonly jobsPerConnection?: number;
  readonly connectionIdleTimeMs?: number;
  readonly connectionSweepIntervalMs?: number;
  /** The child's pino level (its log goes to `stderr`). @defaultValue warn */
  readonly logLevel?: string;
  readonly killAt?: {
    readonly beforeStarted?: number;
    readonly afterStarted?: number;
    readonly afterFinished?: number;
  };
}

/** One executor process. */
export interface ExecutorChild {
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;
  stderr: string;
}

/** A started world; `close` tears everything down. */
export interface DurabilityWorld {
  readonly gitlab: GitlabEmulator;
  readonly aws: AwsEmulator;
  readonly redis: Redis;
  readonly registry: Registry;
  readonly queue: JobQueue;
  readonly jobs: readonly JobPayload[];
  readonly instanceIds: readonly string[];
  /** What an executor in the test's own process needs to serve the world's queue. */
  readonly keyPrefix: string;
  readonly runnerKey: string;
  readonly payloadKey: Buffer;
  readonly instances: AwsInstanceGroup;
  /** Where the instances' home directories live (each instance's sshd runs on this host). */
  readonly stateRoot: string;
  /** Enqueues the job as the poller does (accepted already, payload encrypted). */
  enqueue(job: JobPayload): Promise<void>;
  startExecutor(settings?: ExecutorChildSettings): Promise<ExecutorChild>;
  /** Every job id recorded in ~/ran.log of every instance, one entry per script run. */
  ranJobIds(): Promise<number[]>;
  /** The home directories of the instances where a script wrote ~/ran.log. */
  ranHomes(): Promise<string[]>;
  close(): Promise<void>;
}

/** Builds the world: pipeline, accepted jobs, ready instances; no executor yet. */
export async function startDurabilityWorld(
  options: DurabilityWorldOptions,
): Promise<DurabilityWorld> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const children: ExecutorChild[] = [];
  const runId = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const keyPrefix = `it-${options.name}-${runId}`;
  const runnerKey = 'dur';
  const payloadKey = randomBytes(32);
  const logger = pino({ level: 'silent' });
  const close = async (): Promise<void> => {
    for (const child of children) {
      if (child.process.exitCode === null && child.process.signalCode === null) {
        child.process.kill('SIGKILL');
      }
    }
    await Promise.all(children.map(c => c.exited));
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch(() => undefined);
    }
  };
  try {
    const gitlab = await startGitlabEmulator({ longPollTimeoutMs: 0, traceUpdateIntervalSec: 1 });
    cleanups.push(() => gitlab.close());
    const sourceDir = await mkdtemp(join(tmpdir(), `${options.name}-`));
    cleanups.push(() => rm(sourceDir, { recursive: true, force: true }));
    const script = options.script ?? ['echo "$CI_JOB_ID" >> "$HOME/ran.log"'];
    const yaml = Array.from(
      { length: options.jobCount },
      (_, i) =>
        `job-${i}:\n  variables:\n    GIT_STRATEGY: none\n  script:\n` +
        script.map(line => `    - ${JSON.stringify(line)}\n`).join(''),
    ).join('');
    await writeFile(join(sourceDir, '.gitlab-ci.yml'), yaml);
    const project = await gitlab.admin.createProject({ path: `acme/${options.name}`, sourceDir });
    const runnerToken = gitlab.admin.createRunner({ description: options.name }).token;
    const client = new GitlabClient({
      url: gitlab.url,
      logger,
      runnerInfo: buildRunnerInfo({ version: '0.1.0' }),
    });
    await gitlab.admin.createPipeline(project.id);
    const jobs: JobPayload[] = [];
    for (let i = 0; i < options.jobCount; i++) {
      const requested = await client.requestJob({ token: runnerToken });
      if (requested.kind !== 'job') {
        throw new Error(`expected a job, got ${requested.kind}`);
      }
      await client.acceptJob(requested.job.id, requested.job.token);
      jobs.push(requested.job);
    }

    const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
    cleanups.push(async () => {
      const keys = await redis.keys(`*${keyPrefix}*`);
      if (keys.length > 0) {
        await redis.del(...keys);
      }
      await redis.quit();
    });
    const registry = createRegistry({ redis, keyPrefix, runnerKey, logger });

    const stateRoot = await mkdtemp(join('/var/tmp', `taskfleet-${options.name}-`));
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
    const groupName = `${options.name}-group-${runId}`;
    await sdk.ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: `${options.name}-lt-${runId}`,
        LaunchTemplateData: { ImageId: linuxImageId, InstanceType: 't3.micro' },
      }),
    );
    await sdk.autoScaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: groupName,
        LaunchTemplate: { LaunchTemplateName: `${options.name}-lt-${runId}`, Version: '$Latest' },
        MinSize: 0,
        MaxSize: options.instanceCount,
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
    const group = new AwsInstanceGroup({
      name: groupName,
      region: 'us-east-1',
      endpoint: aws.endpoint,
      clientOverrides: { maxAttempts: 1, credentials: { accessKeyId: 'd', secretAccessKey: 'd' } },
    });
    cleanups.push(() => group.shutdown());
    await group.init();
    await group.increase(options.instanceCount);
    let members = await group.update();
    // Boot on the emulator's clock, polled with a bound: each sshd behind it is a real process.
    for (
      let i = 0;
      i < 200 && members.filter(m => m.state === 'running').length < options.instanceCount;
      i++
    ) {
      awsClock.advance(bootDelayMs);
      await new Promise(resolve => setTimeout(resolve, 50));
      members = await group.update();
    }
    const instanceIds = members.filter(m => m.state === 'running').map(m => m.id);
    if (instanceIds.length < options.instanceCount) {
      throw new Error('instances did not boot');
    }
    const lease = await registry.acquireLease('it-scaler', 3600_000);
    if (!lease.acquired) {
      throw new Error('lease not acquired');
    }
    for (const instanceId of instanceIds) {
      await registry.registerInstance(lease.fencingToken, {
        instanceId,
        state: 'booting',
        capacityPerInstance: options.capacityPerInstance,
        maxUseCount: 0,
      });
      await registry.markReady(instanceId, lease.fencingToken);
    }
    const queue = createJobQueue({ connection: redis, prefix: keyPrefix, runnerKey });
    cleanups.push(() => queue.close());

    return {
      gitlab,
      aws,
      redis,
      registry,
      queue,
      jobs,
      instanceIds,
      stateRoot,
      keyPrefix,
      runnerKey,
      payloadKey,
      instances: group,
      async enqueue(job) {
        await queue.enqueue({
          gitlabJobId: job.id,
          runnerKey,
          acceptedAtMs: Date.now(),
          payload: encryptPayload(JSON.stringify(job), payloadKey),
        });
      },
      async startExecutor(settings = {}) {
        const child = spawn(process.execPath, ['--no-warnings', childMain], {
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        const entry: ExecutorChild = {
          process: child,
          stderr: '',
          exited: new Promise(resolve => {
            child.once('exit', code => {
              resolve(code);
            });
          }),
        };
        children.push(entry);
        child.stderr.on('data', (chunk: Buffer) => {
          entry.stderr += chunk.toString('utf8');
        });
        const ready = new Promise<void>((resolve, reject) => {
          child.stdout.on('data', (chunk: Buffer) => {
            if (chunk.toString('utf8').includes('ready')) {
              resolve();
            }
          });
          void entry.exited.then(code => {
            reject(new Error(`executor exited ${String(code)}: ${entry.stderr}`));
          });
        });
        child.stdin.end(
          `${JSON.stringify({
            keyPrefix,
            runnerKey,
            groupName,
            awsEndpoint: aws.endpoint,
            gitlabUrl: gitlab.url,
            payloadKeyHex: payloadKey.toString('hex'),
            concurrency: settings.concurrency ?? 4,
            instanceAcquireTimeoutMs: settings.instanceAcquireTimeoutMs ?? 120_000,
            finalUpdateDeadlineMs: settings.finalUpdateDeadlineMs ?? 3600_000,
            jobLeaseMs: settings.jobLeaseMs ?? 1500,
            lockDurationMs: settings.lockDurationMs ?? 1500,
            stalledIntervalMs: settings.stalledIntervalMs ?? 1000,
            recoveryIntervalMs: settings.recoveryIntervalMs ?? 1000,
            executorId: `ex-${children.length}`,
            keepaliveIntervalMs: settings.keepaliveIntervalMs ?? 1000,
            keepaliveCountMax: settings.keepaliveCountMax ?? 2,
            queuedCheckIntervalMs: settings.queuedCheckIntervalMs,
            diskPressurePercent: settings.diskPressurePercent,
            jobsPerConnection: settings.jobsPerConnection,
            connectionIdleTimeMs: settings.connectionIdleTimeMs,
            connectionSweepIntervalMs: settings.connectionSweepIntervalMs,
            logLevel: settings.logLevel,
            killAt: settings.killAt ?? {},
          })}\n`,
        );
        await ready;
        return entry;
      },
      async ranJobIds() {
        const ids: number[] = [];
        for (const file of await findFiles(stateRoot, 'ran.log')) {
          const text = await readFile(file, 'utf8');
          ids.push(...text.split('\n').filter(Boolean).map(Number));
        }
        return ids;
      },
      async ranHomes() {
        return (await findFiles(stateRoot, 'ran.log')).map(file => dirname(file));
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function findFiles(dir: string, name: string): Promise<string[]> {
  const found: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return found;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      found.push(...(await findFiles(path, name)));
    } else if (entry.name === name) {
      found.push(path);
    }
  }
  return found;
}
