// Job limits and signals end to end (issue #5): jobs accepted in the GitLab emulator, queued in
// real BullMQ on real Redis, claimed through the real registry and run by the executor worker
// over SSH on a real sshd instance of the AWS emulator. Each scenario drives the emulator's
// cancel and fault API and checks state, log, failure reason, exit code, the instance's
// process list (`ps` over SSH) and the instance's health in the registry.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

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
import { dial } from '@taskfleet/fleeting';
import type { SshConnection } from '@taskfleet/fleeting';
import { GitlabClient, buildRunnerInfo, systemClock } from '@taskfleet/gitlab';
import type { JobPayload } from '@taskfleet/gitlab';
import { createJobQueue, encryptPayload, jobQueueName, jobQueuePrefix } from '@taskfleet/job-queue';
import type { JobQueue } from '@taskfleet/job-queue';
import { AwsInstanceGroup } from '@taskfleet/provider-aws';
import { createRegistry } from '@taskfleet/registry';
import type { Registry } from '@taskfleet/registry';
import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';

import { acceptJobs } from './support/accept-jobs';
import { createAwsSdkClients } from './support/aws-sdk-clients';
import { linuxImageId } from './support/scenario-names';

jest.setTimeout(120_000);

const logger = pino({ level: 'silent' });
const workerLogLines: string[] = [];
const workerLogger = pino(
  { level: 'debug' },
  { write: (line: string) => workerLogLines.push(line) },
);
const runId = `${process.pid}-${randomBytes(3).toString('hex')}`;
const keyPrefix = `it-exc-${runId}`;
const payloadKey = randomBytes(32);
const outputLimitBytes = 4 * 1024 * 1024;
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

describe('executor limits and signals on real sshd (issue #5)', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  let emulator: GitlabEmulator;
  let client: GitlabClient;
  let redis: Redis;
  let registry: Registry;
  let aws: AwsEmulator;
  let instanceId: string;
  let queue: JobQueue;
  let events: QueueEvents;
  let probe: SshConnection;
  const jobs = new Map<string, JobPayload>();

  beforeAll(async () => {
    emulator = await startGitlabEmulator({ longPollTimeoutMs: 0, traceUpdateIntervalSec: 1 });
    cleanups.push(() => emulator.close());
    const sourceDir = await mkdtemp(join(tmpdir(), 'scenario-exec-control-'));
    cleanups.push(() => rm(sourceDir, { recursive: true, force: true }));
    await writeFile(join(sourceDir, '.gitlab-ci.yml'), ciYaml);
    const project = await emulator.admin.createProject({ path: 'acme/control', sourceDir });
    const runnerToken = emulator.admin.createRunner({ description: 'exec-control-it' }).token;
    client = new GitlabClient({
      url: emulator.url,
      logger,
      runnerInfo: buildRunnerInfo({ version: '0.1.0' }),
      systemId: 's_0123456789ab',
    });
    await emulator.admin.createPipeline(project.id);
    for (const [name, job] of await acceptJobs(client, runnerToken, 10)) {
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
    registry = createRegistry({ redis, keyPrefix, runnerKey: 'control', logger });

    const stateRoot = await mkdtemp(join('/var/tmp', 'taskfleet-exec-control-'));
    cleanups.push(() => rm(stateRoot, { recursive: true, force: true }));
    const host = createSshdInstanceHost({ stateRoot });
    cleanups.push(() => host.close());
    const awsClock = createManualClock();
    aws = await startAwsEmulator({
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
    instanceId = members[0]?.id ?? '';
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
    probe = await dial(await instances.connectInfo(instanceId), { connectTimeoutMs: 10_000 });
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
    queue = createJobQueue({ connection: redis, prefix: keyPrefix, runnerKey: 'control' });
    events = new QueueEvents(jobQueueName('control'), {
      connection: { host: '127.0.0.1', port: 6379 },
      prefix: jobQueuePrefix(keyPrefix, 'control'),
    });
    for (const closable of [queue, events]) {
      cleanups.push(async () => {
        await closable.close();
      });
    }
    await events.waitUntilReady();
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

  describe('B22 cancel and timeout reasons', () => {
    it('cancel while queued: canceled in GitLab, no instance touched', async () => {
      const before = await useCount();
      emulator.admin.cancelJob(job('queued-cancel').id);
      expect(emulator.admin.getJob(job('queued-cancel').id).status).toBe('canceling');
      expect(await enqueue('queued-cancel')).toBe('canceled');
      const view = emulator.admin.getJob(job('queued-cancel').id);
      expect(view.status).toBe('canceled');
      expect(emulator.admin.getTrace(job('queued-cancel').id)).not.toContain('must-not-run');
      expect(await useCount()).toBe(before);
      await expectHealthyAndFree();
    });

    it('cancel while queued gives back a slot granted to an earlier, dead delivery', async () => {
      const id = job('granted-cancel').id;
      // The only slot is busy; an earlier delivery of the job waits for it, and its executor
      // dies; the slot frees and is granted to that delivery's job, which nobody runs now.
      expect(await registry.claimSlot('it-blocker')).toBeDefined();
      expect(await registry.claimSlot(String(id), 15_000)).toBeUndefined();
      await registry.releaseSlot('it-blocker');
      expect((await registry.snapshot()).claimedSlots).toBe(1);
      const before = await useCount();
      emulator.admin.cancelJob(id);
      expect(await enqueue('granted-cancel')).toBe('canceled');
      expect(emulator.admin.getJob(id).status).toBe('canceled');
      expect(emulator.admin.getTrace(id)).not.toContain('granted-must-not-run');
      // Given back as it was taken: free again, and no use of the instance counted twice.
      expect(await useCount()).toBe(before);
      await expectHealthyAndFree();
    });

    it('cancel during the SSH run: the remote process is killed, the job is canceled', async () => {
      const result = enqueue('run-cancel');
      await traceShows('run-cancel', 'run-cancel-started');
      expect(await leftOnInstance(/sleep 4711/)).toHaveLength(1);
      emulator.admin.cancelJob(job('run-cancel').id, 'forced');
      expect(await result).toBe('canceled');
      expect(emulator.admin.getJob(job('run-cancel').id).status).toBe('canceled');
      expect(await leftOnInstance(/sleep 4711/)).toEqual([]);
      await expectHealthyAndFree();
    });

    it('job timeout: job_execution_timeout with the runner log line, process ended', async () => {
      expect(job('job-timeout').runner_info.timeout).toBe(4);
      expect(await enqueue('job-timeout')).toBe('failed');
      const view = emulator.admin.getJob(job('job-timeout').id);
      expect(view).toMatchObject({ status: 'failed', failureReason: 'job_execution_timeout' });
      expect(view.exitCode ?? undefined).toBeUndefined();
      const trace = emulator.admin.getTrace(job('job-timeout').id);
      expect(trace).toContain('job-timeout-started');
      expect(trace).toContain('step_script could not run to completion because the timeout');
      expect(trace).toContain('ERROR: Job failed: execution took longer than 4s seconds');
      // The job's own deadline has passed: no time is left for after_script.
      expect(trace).not.toContain('after-job-timeout');
      expect(await leftOnInstance(/sleep 4712/)).toEqual([]);
      await expectHealthyAndFree();
    });
  });

  describe('B23 cancel runs after_script', () => {
    it('canceling stops the script, runs after_script, ends canceled, leaves no process', async () => {
      const result = enqueue('graceful');
      await traceShows('graceful', 'graceful-started');
      expect(await leftOnInstance(/sleep 471[345]/)).toHaveLength(3);
      emulator.admin.cancelJob(job('graceful').id);
      expect(await result).toBe('canceled');
      const view = emulator.admin.getJob(job('graceful').id);
      expect(view.status).toBe('canceled');
      // GitLab Runner's report for a graceful cancel: failed with job_canceled, which this
      // server does not list, so it falls back to unknown_failure (§7.1).
      expect(view.finalUpdate).toMatchObject({ state: 'failed', failureReason: 'unknown_failure' });
      const trace = emulator.admin.getTrace(job('graceful').id);
      expect(trace).toContain('after status canceled\n');
      expect(trace).toContain('after-done\n');
      expect(trace.indexOf('graceful-started')).toBeLessThan(trace.indexOf('after status'));
      expect(trace).toContain('ERROR: Job failed: canceled');
      expect(await leftOnInstance(/sleep 471[345]/)).toEqual([]);
      await expectHealthyAndFree();
    });
  });

  describe('B17 403 settles the job', () => {
    it('a 403 on the trace PATCH stops the remote process, frees the slot, retries nothing', async () => {
      const id = job('forbidden').id;
      const result = enqueue('forbidden');
      await traceShows('forbidden', 'tick\n');
      const fault = emulator.admin.addFault({
        path: `/api/v4/jobs/${id}/trace`,
        method: 'PATCH',
        kind: 'status',
        status: 403,
        durationMs: 600_000,
      });
      try {
        expect(await result).toBe('canceled');
        // By path: a request answered by a fault never reaches the handler that names its job.
        const requests = emulator.admin
          .listRequests({ pathPrefix: `/api/v4/jobs/${id}` })
          .filter(r => new RegExp(`^/api/v4/jobs/${id}(/|$)`).test(r.path));
        const firstForbidden = requests.find(r => r.status === 403);
        expect(firstForbidden).toBeDefined();
        // Nothing at all after the 403: no retried PATCH, no keep-alive, no final update.
        expect(requests.filter(r => r.seq > (firstForbidden?.seq ?? 0))).toEqual([]);
        expect(await leftOnInstance(/sleep 0\.0471/)).toEqual([]);
        await expectHealthyAndFree();
        const events = workerLogLines
          .map(line => JSON.parse(line) as { msg: string; jobId?: number; status?: number })
          .filter(line => line.jobId === id && line.msg === 'job abandoned: gitlab ended it');
        expect(events).toEqual([expect.objectContaining({ status: 403 })]);
      } finally {
        emulator.admin.removeFault(fault.id);
      }
    });
  });

  describe('B18 output limit', () => {
    it('a 10 MiB log stops at 4 MiB with one marker, consistent ranges, success and flat memory', async () => {
      const id = job('chatty').id;
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      const used = (): number => {
        gc();
        const usage = process.memoryUsage();
        return usage.heapUsed + usage.arrayBuffers;
      };
      // Measured from the moment GitLab holds the whole allowance: what comes after (6 MiB)
      // must not be kept anywhere, so memory may not grow with it.
      let baseline: number | undefined;
      let peak = 0;
      let samples = 0;
      const sampler = setInterval(() => {
        if (baseline === undefined) {
          if (emulator.admin.getJob(id).traceBytes >= outputLimitBytes) {
            baseline = used();
            peak = baseline;
          }
          return;
        }
        samples += 1;
        peak = Math.max(peak, used());
      }, 300);
      let result: ProcessResult;
      try {
        result = await enqueue('chatty');
      } finally {
        clearInterval(sampler);
      }
      expect(result).toBe('success');
      expect(emulator.admin.getJob(id).status).toBe('success');
      const trace = emulator.admin.getTrace(id);
      const marker = `Job's log exceeded limit of ${outputLimitBytes} bytes.`;
      expect(trace.split(marker)).toHaveLength(2);
      expect(trace).not.toContain('chatty-done');
      expect(Buffer.byteLength(trace)).toBeLessThan(outputLimitBytes + 1024);
      expect(Buffer.byteLength(trace)).toBeGreaterThan(outputLimitBytes - 1024);
      // Every PATCH starts where the one before ended; GitLab never had to answer 416.
      const patches = emulator.admin
        .listRequests({ jobId: id, method: 'PATCH' })
        .sort((a, b) => a.seq - b.seq);
      expect(patches.length).toBeGreaterThan(1);
      let next = 0;
      for (const patch of patches) {
        expect(patch.status).toBe(202);
        const [start, end] = (patch.contentRange ?? '').split('-').map(Number);
        expect(start).toBe(next);
        next = (end ?? -1) + 1;
      }
      expect(next).toBe(Buffer.byteLength(trace));
      // Memory stays flat while the 6 MiB past the limit stream through and are dropped.
      expect(baseline).toBeDefined();
      expect(samples).toBeGreaterThanOrEqual(2);
      expect(peak - (baseline ?? 0)).toBeLessThan(3 * 1024 * 1024);
      await expectHealthyAndFree();
    });
  });

  describe('pipelines with limits and signals', () => {
    it('RUNNER_SCRIPT_TIMEOUT: job_execution_timeout, after_script runs with CI_JOB_STATUS=failed', async () => {
      expect(await enqueue('script-timeout')).toBe('failed');
      const view = emulator.admin.getJob(job('script-timeout').id);
      expect(view).toMatchObject({ status: 'failed', failureReason: 'job_execution_timeout' });
      expect(view.exitCode ?? undefined).toBeUndefined();
      const trace = emulator.admin.getTrace(job('script-timeout').id);
      expect(trace).toContain('script-timeout-started');
      expect(trace).toContain('after status failed\n');
      expect(trace).toContain('ERROR: Job failed: execution took longer than 2s seconds');
      expect(await leftOnInstance(/sleep 4716/)).toEqual([]);
      await expectHealthyAndFree();
    });

    it('process clean-up: what the script left running ends with the job; exit code reported', async () => {
      expect(await enqueue('leftovers')).toBe('failed');
      const view = emulator.admin.getJob(job('leftovers').id);
      // allow_failure: exit_codes [7] works because exit_code is sent.
      expect(view).toMatchObject({
        status: 'failed',
        failureReason: 'script_failure',
        exitCode: 7,
      });
      const pipeline = emulator.admin.getPipeline(view.pipelineId);
      expect(pipeline.jobs.find(j => j.name === 'leftovers')).toMatchObject({ status: 'failed' });
      const trace = emulator.admin.getTrace(job('leftovers').id);
      expect(trace).toContain('stdin-at-eof\n');
      expect(trace).toContain('ERROR: Job failed: exit code 7');
      expect(await leftOnInstance(/sleep 471[78]/)).toEqual([]);
      await expectHealthyAndFree();
    });

    it('a background process holding the output does not keep the job running', async () => {
      const startedAtMs = Date.now();
      expect(await enqueue('holder')).toBe('success');
      expect(Date.now() - startedAtMs).toBeLessThan(60_000);
      const view = emulator.admin.getJob(job('holder').id);
      expect(view.status).toBe('success');
      expect(view.exitCode ?? undefined).toBeUndefined();
      expect(emulator.admin.getTrace(job('holder').id)).toContain('holder-done\n');
      expect(await leftOnInstance(/sleep 4719/)).toEqual([]);
      await expectHealthyAndFree();
    });
  });
});
