// The poller against the GitLab emulator, real Redis and the real registry (issue #3, invariant 6).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseConfig } from '@taskfleet/config';
import { startGitlabEmulator } from '@taskfleet/emulator-gitlab';
import type { GitlabEmulator } from '@taskfleet/emulator-gitlab';
import { GitlabClient, ManualClock, buildRunnerInfo } from '@taskfleet/gitlab';
import type { FetchLike } from '@taskfleet/gitlab';
import { createJobQueue, decryptPayload, runnerKeyFor } from '@taskfleet/job-queue';
import type { JobQueue } from '@taskfleet/job-queue';
import { Poller } from '@taskfleet/poller';
import type { PollerOptions } from '@taskfleet/poller';
import { createRegistry } from '@taskfleet/registry';
import type { Registry } from '@taskfleet/registry';
import { Redis } from 'ioredis';
import { pino } from 'pino';

const logger = pino({ level: 'silent' });
/** Every poller log line of the current test, at debug level, to check no token leaks. */
let logLines: string[] = [];
const pollerLogger = pino(
  { level: 'debug' },
  {
    write: (line: string) => {
      logLines.push(line);
    },
  },
);
const payloadKey = randomBytes(32);
const ciYaml = 'build:\n  script:\n    - echo hello\n';

interface World {
  readonly emulator: GitlabEmulator;
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly sourceDir: string;
  readonly projectId: number;
  readonly poller: Poller;
  readonly clock: ManualClock;
  readonly registry: Registry;
  readonly jobQueue: JobQueue;
  readonly runnerKey: string;
  readonly runnerToken: string;
}

interface SetUpInput {
  readonly longPollTimeoutMs: number;
  readonly runnerToml?: string;
  readonly autoscalerToml?: string;
  readonly policyToml?: string;
  readonly autoAdvance?: boolean;
  readonly createClient?: PollerOptions['createClient'];
}

let world: World | undefined;

afterEach(async () => {
  if (world === undefined) {
    return;
  }
  const w = world;
  world = undefined;
  await w.poller.close();
  await w.jobQueue.queue.obliterate({ force: true });
  await w.jobQueue.close();
  const keys = await w.redis.keys(`{tf:${w.keyPrefix}:*`);
  if (keys.length > 0) {
    await w.redis.del(...keys);
  }
  await w.redis.quit();
  await w.emulator.close();
  await rm(w.sourceDir, { recursive: true, force: true });
});

async function setUp(input: SetUpInput): Promise<World> {
  const emulator = await startGitlabEmulator({ longPollTimeoutMs: input.longPollTimeoutMs });
  const sourceDir = await mkdtemp(join(tmpdir(), 'poller-it-'));
  await writeFile(join(sourceDir, '.gitlab-ci.yml'), ciYaml);
  const project = await emulator.admin.createProject({ path: 'acme/poller', sourceDir });
  const runner = emulator.admin.createRunner({ description: 'poller-it' });
  const keyPrefix = `poller-it-${randomBytes(6).toString('hex')}`;
  const text = [
    'concurrent = 4',
    'check_interval = 1',
    '[[runners]]',
    `url = "${emulator.url}"`,
    `id = ${runner.id}`,
    `token = "${runner.token}"`,
    'executor = "instance"',
    input.runnerToml ?? 'request_concurrency = 2',
    '[runners.autoscaler]',
    'plugin = "aws"',
    input.autoscalerToml ?? 'capacity_per_instance = 2\nmax_instances = 3',
    '[runners.autoscaler.plugin_config]',
    'name = "test-asg"',
    input.policyToml ?? '',
    '[taskfleet]',
    `key_prefix = "${keyPrefix}"`,
    `payload_encryption_key = "${payloadKey.toString('base64')}"`,
  ].join('\n');
  const { config } = parseConfig(text, { env: {}, localTimeZone: 'UTC' });
  const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
  const clock = new ManualClock(Date.now(), { autoAdvance: input.autoAdvance ?? true });
  const runnerKey = runnerKeyFor(config.runners[0]!);
  logLines = [];
  const poller = new Poller({
    config,
    redis,
    logger: pollerLogger,
    clock,
    backoff: { minMs: 10, maxMs: 50 },
    ...(input.createClient === undefined ? {} : { createClient: input.createClient }),
  });
  world = {
    emulator,
    redis,
    keyPrefix,
    sourceDir,
    projectId: project.id,
    poller,
    clock,
    registry: createRegistry({ redis, keyPrefix, runnerKey, logger, clock: () => clock.now() }),
    jobQueue: createJobQueue({ connection: redis, prefix: keyPrefix, runnerKey }),
    runnerKey,
    runnerToken: runner.token,
  };
  return world;
}

/** Polls `check` every 20 ms until it holds, failing after `boundMs` of real time. */
async function eventually(check: () => Promise<boolean> | boolean, boundMs = 15_000) {
  const deadline = Date.now() + boundMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error('condition not met in time');
    }
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}

async function onlyJobId(w: World): Promise<number> {
  const pipeline = await w.emulator.admin.createPipeline(w.projectId);
  const job = pipeline.jobs[0];
  if (job === undefined) {
    throw new Error('pipeline has no job');
  }
  return job.id;
}

function jobRequests(w: World) {
  return w.emulator.admin.listRequests({ method: 'POST', pathPrefix: '/api/v4/jobs/request' });
}

describe('Poller (GitLab emulator, real Redis, real registry)', () => {
  it('takes a pending job, accepts it, enqueues it once under its id, payload encrypted', async () => {
    const w = await setUp({ longPollTimeoutMs: 300 });
    const jobId = await onlyJobId(w);
    w.poller.start();
    w.poller.start();
    await eventually(async () => (await w.jobQueue.queue.getJob(`gl-${jobId}`)) !== undefined);

    const view = w.emulator.admin.getJob(jobId);
    expect(view.status).toBe('running');
    expect(view.handOutCount).toBe(1);
    const stored = await w.jobQueue.queue.getJob(`gl-${jobId}`);
    expect(stored?.data).toMatchObject({ gitlabJobId: jobId, runnerKey: w.runnerKey });
    const plain = JSON.parse(decryptPayload(stored!.data.payload, payloadKey)) as {
      id: number;
      token: string;
    };
    expect(plain).toMatchObject({ id: jobId, token: view.token });

    // Invariant 7: the raw Redis hash never holds the job token.
    const raw = await w.redis.hgetall(`${w.jobQueue.prefix}:${w.jobQueue.name}:gl-${jobId}`);
    expect(raw.data).toBeDefined();
    expect(JSON.stringify(raw)).not.toContain(view.token);

    // Let the loops poll on for a while: the job is never enqueued twice.
    const seen = jobRequests(w).length;
    await eventually(() => jobRequests(w).length >= seen + 2);
    const counts = await w.jobQueue.queue.getJobCounts('waiting', 'active', 'delayed');
    expect((counts.waiting ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0)).toBe(1);
    expect((await w.registry.snapshot()).pendingJobs).toBe(1);

    await w.poller.close();
    expect((await w.registry.snapshot()).reservedSlots).toBe(0);

    // Invariant 7: neither the runner token nor the job token is ever logged.
    const log = logLines.join('');
    expect(log).toContain('job accepted and enqueued');
    expect(log).not.toContain(view.token);
    expect(log).not.toContain(w.runnerToken);
  });

  it('makes no job request while there is no capacity (preemptive, no instances)', async () => {
    const w = await setUp({
      longPollTimeoutMs: 300,
      autoAdvance: false,
      policyToml: '[[runners.autoscaler.policy]]\nidle_count = 1',
    });
    await onlyJobId(w);
    w.poller.start();
    // Both loops asleep after a refused reservation; wake them twice more.
    for (let round = 0; round < 3; round++) {
      await w.clock.waitForSleepers(2);
      expect(w.clock.sleeps.slice(-2)).toEqual([1000, 1000]);
      w.clock.advance(1000);
    }
    await w.clock.waitForSleepers(2);
    expect(jobRequests(w)).toHaveLength(0);
    const snapshot = await w.registry.snapshot();
    expect(snapshot.reservedSlots).toBe(0);
    expect(snapshot.pendingJobs).toBe(0);
  });

  it('releases the reservation on every 204, so one slot of capacity serves many polls (B03)', async () => {
    // Capacity for exactly one reservation: a lingering one would block every later request.
    const w = await setUp({
      longPollTimeoutMs: 50,
      runnerToml: 'request_concurrency = 1',
      autoscalerToml: 'capacity_per_instance = 1\nmax_instances = 1',
    });
    w.poller.start();
    await eventually(() => jobRequests(w).filter(r => r.status === 204).length >= 4);
    const snapshot = await w.registry.snapshot();
    expect(snapshot.reservedSlots).toBeLessThanOrEqual(1);
    expect(snapshot.pendingJobs).toBe(0);
    await w.poller.close();
    expect((await w.registry.snapshot()).reservedSlots).toBe(0);
  });

  it('rides out a 502 window on request and accept, and delivers the job exactly once', async () => {
    const w = await setUp({ longPollTimeoutMs: 300 });
    // More 502s than the client's 5 attempts, so the poller's own back-off runs too.
    const requestFault = w.emulator.admin.addFault({
      method: 'POST',
      path: '/api/v4/jobs/request',
      kind: 'status',
      status: 502,
      count: 7,
    });
    const acceptFault = w.emulator.admin.addFault({
      method: 'PUT',
      path: '/api/v4/jobs/*',
      kind: 'status',
      status: 502,
      count: 6,
    });
    const jobId = await onlyJobId(w);
    w.poller.start();
    await eventually(async () => (await w.jobQueue.queue.getJob(`gl-${jobId}`)) !== undefined);

    const faults = w.emulator.admin.listFaults().faults;
    expect(faults.find(f => f.id === requestFault.id)?.hits).toBe(7);
    expect(faults.find(f => f.id === acceptFault.id)?.hits).toBe(6);
    const view = w.emulator.admin.getJob(jobId);
    expect(view.status).toBe('running');
    expect(view.handOutCount).toBe(1);
    const counts = await w.jobQueue.queue.getJobCounts('waiting', 'active', 'delayed');
    expect((counts.waiting ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0)).toBe(1);
  });

  it('fails an undecodable job back with runner_system_failure and a reason, then goes on', async () => {
    // GitLab never sends a payload its runner cannot read, so a scripted hop corrupts the first.
    let corruptedId: number | undefined;
    const corruptFirstJob: FetchLike = async (url, init) => {
      const response = await fetch(url, init);
      if (corruptedId !== undefined || !url.endsWith('/jobs/request') || response.status !== 201) {
        return response;
      }
      const body = (await response.json()) as Record<string, unknown>;
      corruptedId = body.id as number;
      body.steps = 42;
      return new Response(JSON.stringify(body), {
        status: 201,
        headers: { 'content-type': 'application/json' },
      });
    };
    const w = await setUp({
      longPollTimeoutMs: 300,
      runnerToml: 'request_concurrency = 1',
      createClient: (runner, clock) =>
        new GitlabClient({
          url: runner.url,
          logger,
          clock,
          runnerInfo: buildRunnerInfo({ version: '0.1.0' }),
          fetch: corruptFirstJob,
        }),
    });
    const first = await onlyJobId(w);
    const second = await onlyJobId(w);
    w.poller.start();
    await eventually(async () => (await w.jobQueue.queue.getJob(`gl-${second}`)) !== undefined);

    expect(corruptedId).toBe(first);
    const view = w.emulator.admin.getJob(first);
    expect(view.status).toBe('failed');
    expect(view.failureReason).toBe('runner_system_failure');
    expect(w.emulator.admin.getTrace(first)).toContain('could not decode the job payload');
    const calls = w.emulator.admin.listRequests({ jobId: first });
    expect(calls.filter(c => c.method === 'PATCH')).toHaveLength(1);
    expect(calls.filter(c => c.method === 'PUT')).toHaveLength(1);
    expect(await w.jobQueue.queue.getJob(`gl-${first}`)).toBeUndefined();
    expect(w.emulator.admin.getJob(second).status).toBe('running');
    // The failed job's reservation was released, not left as pending demand.
    expect((await w.registry.snapshot()).pendingJobs).toBe(1);
  });

  it('asks again after the bare 204 that ends a held long poll, so a new job arrives at once', async () => {
    const w = await setUp({ longPollTimeoutMs: 10_000, runnerToml: 'request_concurrency = 1' });
    w.poller.start();
    // Wait for a request held by the "Workhorse" (it carries last_update and has no answer yet).
    await eventually(() =>
      jobRequests(w).some(
        r =>
          r.status === undefined && (r.json as { last_update?: string }).last_update !== undefined,
      ),
    );
    const startedAtMs = Date.now();
    const jobId = await onlyJobId(w);
    await eventually(async () => (await w.jobQueue.queue.getJob(`gl-${jobId}`)) !== undefined);
    // Well inside the 10 s hold: the held poll ended with a bare 204 and the loop asked again.
    expect(Date.now() - startedAtMs).toBeLessThan(5000);
    const answered = jobRequests(w).map(r => r.status);
    expect(answered).toContain(204);
    expect(answered).toContain(201);
  });
});
