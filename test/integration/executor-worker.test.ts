// The executor's queue worker end to end: jobs accepted in the GitLab emulator (as the poller
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
import { ExecutorWorker, JobRecords } from '@taskfleet/executor';
import type { ProcessResult } from '@taskfleet/executor';
import { GitlabClient, TraceChecksum, buildRunnerInfo, systemClock } from '@taskfleet/gitlab';
import type { JobPayload } from '@taskfleet/gitlab';
import { createJobQueue, encryptPayload, jobQueueName, jobQueuePrefix } from '@taskfleet/job-queue';
import type { JobQueue } from '@taskfleet/job-queue';
import { createRegistry } from '@taskfleet/registry';
import type { Registry } from '@taskfleet/registry';
import { QueueEvents } from 'bullmq';
import { AwsInstanceGroup } from '@taskfleet/provider-aws';
import { Redis } from 'ioredis';
import { pino } from 'pino';

import { acceptJobs } from './support/accept-jobs';
import { createAwsSdkClients } from './support/aws-sdk-clients';
import { linuxImageId } from './support/scenario-names';

jest.setTimeout(120_000);

const logger = pino({ level: 'silent' });
// The worker's own log, kept to check that no token reaches it (invariant 7).
const workerLogLines: string[] = [];
const workerLogger = pino(
  { level: 'debug' },
  { write: (line: string) => workerLogLines.push(line) },
);
const bootDelayMs = 1_000;
const runId = `${process.pid}-${randomBytes(3).toString('hex')}`;
const keyPrefix = `it-exw-${runId}`;
const payloadKey = randomBytes(32);

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

describe('executor worker: queued jobs run on a claimed slot over SSH', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  let emulator: GitlabEmulator;
  let client: GitlabClient;
  let redis: Redis;
  let registry: Registry;
  let emptyRegistry: Registry;
  let aws: AwsEmulator;
  let instanceId: string;
  let queue: JobQueue;
  let emptyQueue: JobQueue;
  let events: QueueEvents;
  let emptyEvents: QueueEvents;
  const jobs = new Map<string, JobPayload>();

  beforeAll(async () => {
    emulator = await startGitlabEmulator({ longPollTimeoutMs: 0, traceUpdateIntervalSec: 1 });
    cleanups.push(() => emulator.close());
    const sourceDir = await mkdtemp(join(tmpdir(), 'executor-worker-'));
    cleanups.push(() => rm(sourceDir, { recursive: true, force: true }));
    await writeFile(join(sourceDir, '.gitlab-ci.yml'), ciYaml);
    const project = await emulator.admin.createProject({ path: 'acme/queue', sourceDir });
    const runnerToken = emulator.admin.createRunner({ description: 'worker-it' }).token;
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
      // The registry keys and both queues all carry the unique prefix.
      const keys = await redis.keys(`*${keyPrefix}*`);
      if (keys.length > 0) {
        await redis.del(...keys);
      }
      await redis.quit();
    });
    registry = createRegistry({ redis, keyPrefix, runnerKey: 'full', logger });
    emptyRegistry = createRegistry({ redis, keyPrefix, runnerKey: 'empty', logger });

    // The cloud: a fleeting-plugin-aws style group on the AWS emulator, one sshd instance.
    const stateRoot = await mkdtemp(join('/var/tmp', 'taskfleet-executor-worker-'));
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
    instanceId = members[0]?.id ?? '';
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
    queue = createJobQueue({ connection: redis, prefix: keyPrefix, runnerKey: 'full' });
    emptyQueue = createJobQueue({ connection: redis, prefix: keyPrefix, runnerKey: 'empty' });
    const eventsOf = (runnerKey: string): QueueEvents =>
      new QueueEvents(jobQueueName(runnerKey), {
        connection,
        prefix: jobQueuePrefix(keyPrefix, runnerKey),
      });
    events = eventsOf('full');
    emptyEvents = eventsOf('empty');
    for (const closable of [queue, emptyQueue, events, emptyEvents]) {
      cleanups.push(async () => {
        await closable.close();
      });
    }
    await Promise.all([events.waitUntilReady(), emptyEvents.waitUntilReady()]);
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

  it('runs a queued job to success with its log in GitLab, and frees the slot', async () => {
    expect(await enqueue('passes')).toBe('success');
    const view = emulator.admin.getJob(job('passes').id);
    expect(view.status).toBe('success');
    const trace = emulator.admin.getTrace(job('passes').id);
    expect(trace).toContain('worker ran passes');
    expect(trace).toContain(`Using instance ${instanceId} on slot 0`);
    const snap = await registry.snapshot();
    expect(snap.claimedSlots).toBe(0);
    expect(snap.instances.find(i => i.instanceId === instanceId)?.useCount).toBe(1);
  });

  it('fails a job whose payload cannot be run as runner_system_failure; the next job runs', async () => {
    const { id, token } = job('broken');
    // The payload is read as GitLab Runner reads JSON (missing fields default); wrong types are not.
    const body = { id, token, steps: 'not-a-list', job_info: 3 };
    expect(await enqueue('broken', 'full', body)).toBe('system_failure');
    const view = emulator.admin.getJob(id);
    expect(view).toMatchObject({ status: 'failed', failureReason: 'runner_system_failure' });
    const trace = emulator.admin.getTrace(id);
    expect(trace).toContain('the job payload cannot be run');
    expect(trace).toContain('job_info');
    expect(trace).toContain('steps');
    expect(trace).not.toContain('broken-never-runs');
    expect(trace).not.toContain(token);
    expect((await registry.snapshot()).claimedSlots).toBe(0);
  });

  it('fails a job whose payload cannot be decrypted through its id-and-token envelope', async () => {
    const { id, token } = job('damaged');
    const sealed = encryptPayload(JSON.stringify(job('damaged')), payloadKey);
    // One flipped ciphertext byte: GCM refuses the whole payload.
    const ct = Buffer.from(sealed.ct, 'base64');
    ct[0] = (ct[0] ?? 0) ^ 0xff;
    const { queueJobId } = await queue.enqueue({
      gitlabJobId: id,
      runnerKey: 'full',
      acceptedAtMs: Date.now(),
      payload: { ...sealed, ct: ct.toString('base64') },
      report: encryptPayload(JSON.stringify({ id, token }), payloadKey),
    });
    const added = await queue.queue.getJob(queueJobId);
    expect(await added?.waitUntilFinished(events, 60_000)).toBe('system_failure');
    expect(emulator.admin.getJob(id)).toMatchObject({
      status: 'failed',
      failureReason: 'runner_system_failure',
    });
    expect(emulator.admin.getTrace(id)).toContain('the job payload could not be decrypted');
    expect(emulator.admin.getTrace(id)).not.toContain('damaged-never-runs');
  });

  it('reports a failing script as failed/script_failure with its exit code', async () => {
    expect(await enqueue('fails')).toBe('failed');
    const view = emulator.admin.getJob(job('fails').id);
    expect(view).toMatchObject({ status: 'failed', failureReason: 'script_failure', exitCode: 3 });
    expect(emulator.admin.getTrace(job('fails').id)).toContain('before-failure');
    expect((await registry.snapshot()).claimedSlots).toBe(0);
  });

  it('acknowledges a redelivery of a finished job without running or reporting it again', async () => {
    const id = job('passes').id;
    const before = emulator.admin.getJob(id);
    const traceBefore = emulator.admin.getTrace(id);
    // A second enqueue while the finished entry is kept is a no-op of the queue itself ...
    expect(await enqueue('passes')).toBe('success');
    // ... and once the entry is gone, a redelivery reaches the worker, which only acknowledges it.
    await queue.queue.remove(`gl-${id}`);
    expect(await enqueue('passes')).toBe('already_finished');
    const after = emulator.admin.getJob(id);
    expect(emulator.admin.getTrace(id)).toBe(traceBefore);
    expect(after.finalAcceptedCount).toBe(before.finalAcceptedCount);
    const snap = await registry.snapshot();
    expect(snap.claimedSlots).toBe(0);
    // No second claim: the use count did not move.
    expect(snap.instances.find(i => i.instanceId === instanceId)?.useCount).toBe(2);
  });

  it('sends GitLab its log again when it lost it: 416 below the sent offset, 412 on the final PUT', async () => {
    const id = job('trace-reset').id;
    emulator.admin.rejectFinalTrace(id, 1, 0);
    const result = enqueue('trace-reset');
    // Bounded poll of real time: the script runs in a real sshd.
    for (let i = 0; i < 300 && !emulator.admin.getTrace(id).includes('part-one\n'); i++) {
      await new Promise(resolve => setTimeout(resolve, 50));
    }
    // GitLab loses all but the first 10 bytes it acknowledged while the script sleeps.
    emulator.admin.truncateTrace(id, 10);
    expect(await result).toBe('success');
    const view = emulator.admin.getJob(id);
    expect(view).toMatchObject({ status: 'success', finalTraceRejectedCount: 1 });
    // Exact and complete: the stored log is every byte the executor produced, once.
    expect(view.traceChecksum).toBe(view.finalUpdate?.checksum);
    expect(view.traceBytes).toBe(view.finalUpdate?.bytesize);
    const trace = emulator.admin.getTrace(id);
    expect(trace.startsWith('Running with taskfleet')).toBe(true);
    expect(trace.split('\npart-one\n')).toHaveLength(2);
    expect(trace.split('\npart-two\n')).toHaveLength(2);
    expect(trace.split('Job succeeded')).toHaveLength(2);
    const patches = emulator.admin.listRequests({ jobId: id, method: 'PATCH' });
    expect(patches.filter(p => p.status === 416)).not.toHaveLength(0);
    // After the 412 the whole log went again from byte 0.
    const puts = emulator.admin.listRequests({ jobId: id, method: 'PUT' });
    const rejectedAt = puts.find(p => p.status === 412)?.seq ?? Infinity;
    expect(patches.some(p => p.seq > rejectedAt && p.contentRange?.startsWith('0-'))).toBe(true);
  });

  it('a takeover answers a 412 from the outbox: the whole log survives the executor', async () => {
    const { id, token } = job('outbox-takeover');
    const whole = Buffer.from('Running with an executor that stopped\nline two\nJob succeeded\n');
    const headBytes = 12;
    // The executor that stopped had GitLab acknowledge the first bytes ...
    expect((await client.patchTrace(id, token, 0, whole.subarray(0, headBytes))).kind).toBe('ok');
    // ... and stored the final state with the whole log before it died.
    const records = new JobRecords({ redis, baseKey: registry.baseKey, payloadKey });
    const deadOwner = 'ex-dead:0002';
    const longAgoMs = Date.now() - 3600_000;
    const target = {
      id,
      token,
      maskedValues: [],
      tokenMaskPrefixes: [],
      failureReasons: undefined,
    };
    expect((await records.take(id, deadOwner, longAgoMs, 1000, target)).taken).toBe(true);
    expect(await records.markStarted(id, deadOwner, longAgoMs)).toBe(true);
    const sum = new TraceChecksum();
    sum.update(whole);
    expect(
      await records.markFinished(id, deadOwner, longAgoMs, {
        state: 'success',
        checksum: sum.checksum,
        bytesize: whole.length,
        logFromOffset: 0,
        log: whole,
        logSentBytes: headBytes,
        deadlineAtMs: Date.now() + 60_000,
      }),
    ).toBe(true);
    emulator.admin.rejectFinalTrace(id, 1, 0);
    expect(await enqueue('outbox-takeover')).toBe('delivered_outbox');
    expect(emulator.admin.getTrace(id)).toBe(whole.toString());
    expect(emulator.admin.getJob(id)).toMatchObject({
      status: 'success',
      finalTraceRejectedCount: 1,
      traceChecksum: sum.checksum,
    });
    const ranges = emulator.admin
      .listRequests({ jobId: id, method: 'PATCH' })
      .map(r => [r.contentRange, r.status]);
    const end = whole.length - 1;
    expect(ranges).toEqual([
      [`0-${headBytes - 1}`, 202],
      [`${headBytes}-${end}`, 202],
      [`0-${end}`, 202],
    ]);
  });

  it('CI_DEBUG_TRACE traces every stage (set -o xtrace) and marks the log debug_trace', async () => {
    const id = job('debug-traced').id;
    expect(await enqueue('debug-traced')).toBe('success');
    const view = emulator.admin.getJob(id);
    expect(view).toMatchObject({ status: 'success', debugTrace: true });
    const patches = emulator.admin.listRequests({ jobId: id, method: 'PATCH' });
    expect(patches.every(p => p.query.debug_trace === 'true')).toBe(true);
    const trace = emulator.admin.getTrace(id);
    // xtrace lines from the step (inside its eval) and from get_sources, on stderr into the log;
    // stdout and stderr come over two SSH streams, so their lines are not interleaved in order.
    expect(trace).toContain('\n++ echo traced-line\n');
    expect(trace).toContain('\ntraced-line\n');
    expect(trace).toMatch(/\n\+ git fetch origin /);
    // The credentials header stays out of the trace: neither the token nor its base64 form.
    const { token } = job('debug-traced');
    expect(trace).not.toContain(token);
    expect(trace).not.toContain(Buffer.from(`gitlab-ci-token:${token}`).toString('base64'));
    expect(trace).not.toContain('GIT_CONFIG_VALUE_0');
  });

  it('never re-runs a job whose script was started: runner_system_failure instead', async () => {
    const id = job('started-before').id;
    // What an executor that died mid-script leaves behind: its claim and the started stage,
    // under a lease that ran out long ago.
    expect(await registry.claimSlot(String(id))).toBeDefined();
    const records = new JobRecords({ redis, baseKey: registry.baseKey, payloadKey });
    const deadOwner = 'ex-dead:0001';
    const longAgoMs = Date.now() - 3600_000;
    const taken = await records.take(id, deadOwner, longAgoMs, 1000, {
      id,
      token: job('started-before').token,
      maskedValues: [],
      tokenMaskPrefixes: [],
      failureReasons: undefined,
    });
    expect(taken.taken).toBe(true);
    expect(await records.markStarted(id, deadOwner, longAgoMs)).toBe(true);
    expect(await enqueue('started-before')).toBe('system_failure');
    const view = emulator.admin.getJob(id);
    expect(view).toMatchObject({ status: 'failed', failureReason: 'runner_system_failure' });
    const trace = emulator.admin.getTrace(id);
    expect(trace).toContain('started before and its executor stopped');
    expect(trace).not.toContain('must-never-run');
    expect((await registry.snapshot()).claimedSlots).toBe(0);
  });

  it('fails a job with no instance as runner_system_failure after the acquire timeout', async () => {
    const id = job('lonely').id;
    // The poller's reservation turned into pending demand, which the failure must drop.
    const reserved = await emptyRegistry.reserve({
      ownerId: 'it-poller',
      ttlMs: 60_000,
      mode: 'potential',
      maxInstances: 1,
      capacityPerInstance: 1,
    });
    if (!reserved.reserved) {
      throw new Error('not reserved');
    }
    await emptyRegistry.convertReservation(reserved.reservationId, String(id));
    expect((await emptyRegistry.snapshot()).pendingJobs).toBe(1);
    const startedAtMs = Date.now();
    expect(await enqueue('lonely', 'empty')).toBe('system_failure');
    expect(Date.now() - startedAtMs).toBeGreaterThanOrEqual(1500);
    const view = emulator.admin.getJob(id);
    expect(view).toMatchObject({ status: 'failed', failureReason: 'runner_system_failure' });
    expect(emulator.admin.getTrace(id)).toContain('no instance became available within 2s');
    const snap = await emptyRegistry.snapshot();
    expect(snap.pendingJobs).toBe(0);
    expect(snap.claimedSlots).toBe(0);
  });

  // Last: it terminates the only instance.
  it('fails a job whose instance is lost under it as runner_system_failure and frees the slot', async () => {
    const id = job('lost').id;
    const result = enqueue('lost');
    // Bounded poll of real time: the script runs in a real sshd.
    for (let i = 0; i < 300 && !emulator.admin.getTrace(id).includes('lost-started'); i++) {
      await new Promise(resolve => setTimeout(resolve, 100));
    }
    expect(emulator.admin.getTrace(id)).toContain('lost-started');
    const response = await fetch(`${aws.adminEndpoint}/instances/${instanceId}/terminate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.ok).toBe(true);
    expect(await result).toBe('system_failure');
    const view = emulator.admin.getJob(id);
    expect(view).toMatchObject({ status: 'failed', failureReason: 'runner_system_failure' });
    expect(emulator.admin.getTrace(id)).toContain('ERROR: Job failed (system failure): ');
    expect((await registry.snapshot()).claimedSlots).toBe(0);
  });

  it('never logs a job token or the payload key', () => {
    const log = workerLogLines.join('');
    expect(log).toContain('job finished');
    // The clear lines a person looks for when a job was not run.
    expect(log).toContain(
      'job script was started by an executor that stopped; not running it again',
    );
    expect(log).toContain('no instance slot within the acquire timeout');
    expect(log).toContain('instance failed under a running job');
    for (const { token } of jobs.values()) {
      expect(log).not.toContain(token);
    }
    expect(log).not.toContain(payloadKey.toString('base64'));
    expect(log).not.toContain(payloadKey.toString('hex'));
  });
});
