// The world of the exec-control scenarios (issue #5): jobs accepted in the GitLab emulator,
// queued in real BullMQ on real Redis, claimed through the real registry and run by the executor
// worker over SSH on a real sshd instance of the AWS emulator, with a second SSH session to look
// at the instance's processes (`ps`) and the registry to look at its health.
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
import { startGitlabEmulator } from '@taskfleet/emulator-gitlab';
import type { GitlabEmulator } from '@taskfleet/emulator-gitlab';
import { ExecutorWorker } from '@taskfleet/executor';
import type { ProcessResult } from '@taskfleet/executor';
import { dial } from '@taskfleet/fleeting';
import { GitlabClient, buildRunnerInfo, systemClock } from '@taskfleet/gitlab';
import type { JobPayload } from '@taskfleet/gitlab';
import { createJobQueue, encryptPayload, jobQueueName, jobQueuePrefix } from '@taskfleet/job-queue';
import { AwsInstanceGroup } from '@taskfleet/provider-aws';
import { createRegistry } from '@taskfleet/registry';
import type { Registry } from '@taskfleet/registry';
import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';

import { acceptJobs } from './accept-jobs';
import { createAwsSdkClients } from './aws-sdk-clients';
import { linuxImageId } from './scenario-names';

const logger = pino({ level: 'silent' });
const payloadKey = randomBytes(32);
/** The `output_limit` the world's worker runs with. */
export const outputLimitBytes = 4 * 1024 * 1024;
const bootDelayMs = 1_000;

// Each job sleeps for a number no other test uses, so `ps` can tell its processes apart.
const ciYaml = `
queued-cancel:
  script:
    - echo must-not-run
granted-cancel:
  script:
    - echo granted-must-not-run
run-cancel:
  script:
    - echo run-cancel-started
    - sleep 4711
job-timeout:
  timeout: 4 seconds
  script:
    - echo job-timeout-started
    - sleep 4712
  after_script:
    - echo after-job-timeout
graceful:
  script:
    - sleep 4713 &
    - setsid sleep 4714 > /dev/null 2>&1 < /dev/null &
    - echo graceful-started
    - sleep 4715
  after_script:
    - echo "after status $CI_JOB_STATUS"
    - sleep 1
    - echo after-done
forbidden:
  script:
    - while true; do echo tick; sleep 0.0471; done
chatty:
  script:
    - head -c 5190451 /dev/zero | tr '\\0' x | fold -w 99
    - for i in 1 2 3 4 5; do head -c 1038090 /dev/zero | tr '\\0' y | fold -w 99; sleep 0.4; done
    - echo chatty-done
script-timeout:
  variables:
    RUNNER_SCRIPT_TIMEOUT: 2s
  script:
    - echo script-timeout-started
    - sleep 4716
  after_script:
    - echo "after status $CI_JOB_STATUS"
leftovers:
  allow_failure:
    exit_codes: [7]
  script:
    - (sleep 4717 > /dev/null 2>&1 < /dev/null &)
    - setsid sleep 4718 > /dev/null 2>&1 < /dev/null &
    - if read -r line; then echo "stdin gave $line"; else echo stdin-at-eof; fi
    - exit 7
holder:
  script:
    - sleep 4719 &
    - echo holder-done
`;

/** One exec-control world: the jobs of `ciYaml` accepted, and a worker running them on one sshd. */
export interface ExecControlWorld {
  readonly emulator: GitlabEmulator;
  readonly registry: Registry;
  /** The executor worker's own log lines (debug and up). */
  readonly workerLogLines: string[];
  job(name: string): JobPayload;
  enqueue(name: string): Promise<ProcessResult>;
  traceShows(name: string, text: string): Promise<void>;
  processesOnInstance(): Promise<string[]>;
  leftOnInstance(pattern: RegExp): Promise<string[]>;
  expectHealthyAndFree(): Promise<void>;
  useCount(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Starts the GitLab and AWS emulators, one sshd instance registered ready with one slot, and an
 * executor worker on its own Redis key prefix; every job of `ciYaml` is accepted in GitLab.
 */
export async function startExecControlWorld(): Promise<ExecControlWorld> {
  const runId = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const keyPrefix = `it-exc-${runId}`;
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
    const sourceDir = await mkdtemp(join(tmpdir(), 'scenario-exec-control-'));
    cleanups.push(() => rm(sourceDir, { recursive: true, force: true }));
    await writeFile(join(sourceDir, '.gitlab-ci.yml'), ciYaml);
    const project = await emulator.admin.createProject({ path: 'acme/control', sourceDir });
    const runnerToken = emulator.admin.createRunner({ description: 'exec-control-it' }).token;
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
      const keys = await redis.keys(`*${keyPrefix}*`);
      if (keys.length > 0) {
        await redis.del(...keys);
      }
      await redis.quit();
    });
    const registry = createRegistry({ redis, keyPrefix, runnerKey: 'control', logger });

    const stateRoot = await mkdtemp(join('/var/tmp', 'taskfleet-exec-control-'));
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
    const groupName = `exc-group-${runId}`;
    await sdk.ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: `exc-template-${runId}`,
        LaunchTemplateData: { ImageId: linuxImageId, InstanceType: 't3.micro' },
      }),
    );
    await sdk.autoScaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: groupName,
        LaunchTemplate: { LaunchTemplateName: `exc-template-${runId}`, Version: '$Latest' },
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
        credentials: { accessKeyId: 'exc', secretAccessKey: 'exc' },
      },
    });
    cleanups.push(() => instances.shutdown());
    await instances.init();
    expect((await instances.increase(1)).requested).toBe(1);
    let members = await instances.update();
    for (let i = 0; i < 100 && members[0]?.state !== 'running'; i++) {
      awsClock.advance(bootDelayMs);
      await new Promise(resolve => setTimeout(resolve, 50));
      members = await instances.update();
    }
    expect(members).toEqual([expect.objectContaining({ state: 'running' })]);
    const instanceId = members[0]?.id ?? '';
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
    // A second session to the instance, as a person would look with `ps`.
    const probe = await dial(await instances.connectInfo(instanceId), { connectTimeoutMs: 10_000 });
    cleanups.push(() => probe.close());

    const worker = new ExecutorWorker({
      redis,
      keyPrefix,
      instances,
      client,
      payloadKey,
      clock: systemClock,
      logger: workerLogger,
      buildsDir: 'builds',
      concurrency: 1,
      slotPollIntervalMs: 100,
      traceUpdateIntervalMs: 200,
      traceForceSendIntervalMs: 300,
      queuedCheckAfterMs: 0,
      stopGraceMs: 1_000,
      outputLimitBytes,
      finalUpdateDeadlineMs: 30_000,
      registry,
      runnerKey: 'control',
      instanceAcquireTimeoutMs: 5_000,
      // Wired as in production, so B22 checks that a cancel or timeout never reports the
      // instance lost (its failure count stays 0).
      reportLostInstance: async (id, jobId, reason) => {
        await registry.health.reportLost(id, jobId, reason);
      },
    });
    await worker.start();
    cleanups.push(() => worker.close());
    const queue = createJobQueue({ connection: redis, prefix: keyPrefix, runnerKey: 'control' });
    const events = new QueueEvents(jobQueueName('control'), {
      connection: { host: '127.0.0.1', port: 6379 },
      prefix: jobQueuePrefix(keyPrefix, 'control'),
    });
    for (const closable of [queue, events]) {
      cleanups.push(async () => {
        await closable.close();
      });
    }
    await events.waitUntilReady();

    function job(name: string): JobPayload {
      const found = jobs.get(name);
      if (found === undefined) {
        throw new Error(`no job ${name}`);
      }
      return found;
    }

    /** Enqueues the job as the poller does and returns its result once the worker is done. */
    async function enqueue(name: string): Promise<ProcessResult> {
      const { queueJobId } = await queue.enqueue({
        gitlabJobId: job(name).id,
        runnerKey: 'control',
        acceptedAtMs: Date.now(),
        payload: encryptPayload(JSON.stringify(job(name)), payloadKey),
      });
      const added = await queue.queue.getJob(queueJobId);
      if (added === undefined) {
        throw new Error('job not in the queue');
      }
      return (await added.waitUntilFinished(events, 90_000)) as ProcessResult;
    }

    /** Waits (bounded) until the job's stored trace contains `text`. */
    async function traceShows(name: string, text: string): Promise<void> {
      const id = job(name).id;
      for (let i = 0; i < 300 && !emulator.admin.getTrace(id).includes(text); i++) {
        await new Promise(resolve => setTimeout(resolve, 50));
      }
      expect(emulator.admin.getTrace(id)).toContain(text);
    }

    /** The command lines of the instance's processes, read with `ps` over SSH. */
    async function processesOnInstance(): Promise<string[]> {
      let out = '';
      const result = await probe.run({
        command: 'ps -eo args=',
        onStdout: chunk => {
          out += chunk.toString('utf8');
        },
      });
      expect(result.exitCode).toBe(0);
      return out.split('\n').filter(line => line !== '' && !line.startsWith('ps '));
    }

    async function leftOnInstance(pattern: RegExp): Promise<string[]> {
      return (await processesOnInstance()).filter(line => pattern.test(line));
    }

    /** The instance is ready, has no failure counted, and none of its slots is claimed. */
    async function expectHealthyAndFree(): Promise<void> {
      const snap = await registry.snapshot();
      expect(snap.claimedSlots).toBe(0);
      expect(snap.pendingJobs).toBe(0);
      expect(snap.instances.find(i => i.instanceId === instanceId)).toMatchObject({
        state: 'ready',
        failureCount: 0,
      });
    }

    async function useCount(): Promise<number> {
      const snap = await registry.snapshot();
      return snap.instances.find(i => i.instanceId === instanceId)?.useCount ?? -1;
    }

    return {
      emulator,
      registry,
      workerLogLines,
      job,
      enqueue,
      traceShows,
      processesOnInstance,
      leftOnInstance,
      expectHealthyAndFree,
      useCount,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
