import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startGitlabEmulator } from '@taskfleet/emulator-gitlab';
import type { GitlabEmulator } from '@taskfleet/emulator-gitlab';
import {
  GitlabClient,
  ManualClock,
  TraceWriter,
  buildRunnerInfo,
  effectiveFailureReason,
  outputLimitMarker,
  sendFinalUpdate,
} from '@taskfleet/gitlab';
import type { JobPayload } from '@taskfleet/gitlab';
import { pino } from 'pino';

const secret = 's3cr3t-value-123';
const logger = pino({ level: 'silent' });

interface World {
  emulator: GitlabEmulator;
  client: GitlabClient;
  clock: ManualClock;
  runnerToken: string;
  sourceDir: string;
  projectId: number;
}

let world: World | undefined;
afterEach(async () => {
  await world?.emulator.close();
  if (world !== undefined) {
    await rm(world.sourceDir, { recursive: true, force: true });
  }
  world = undefined;
});

async function setUp(ciYaml: string): Promise<World> {
  const emulator = await startGitlabEmulator({ longPollTimeoutMs: 0, traceUpdateIntervalSec: 1 });
  const sourceDir = await mkdtemp(join(tmpdir(), 'gitlab-client-it-'));
  await writeFile(join(sourceDir, '.gitlab-ci.yml'), ciYaml);
  const project = await emulator.admin.createProject({ path: 'acme/widgets', sourceDir });
  emulator.admin.setVariable(project.id, { key: 'DEPLOY_TOKEN', value: secret, masked: true });
  const runner = emulator.admin.createRunner({ description: 'taskfleet-it' });
  const clock = new ManualClock(Date.now());
  const client = new GitlabClient({
    url: emulator.url,
    logger,
    runnerInfo: buildRunnerInfo({ version: '0.1.0' }),
    systemId: 's_0123456789ab',
    clock,
  });
  world = { emulator, client, clock, runnerToken: runner.token, sourceDir, projectId: project.id };
  return world;
}

async function takeJob(w: World): Promise<JobPayload> {
  await w.emulator.admin.createPipeline(w.projectId);
  const result = await w.client.requestJob({ token: w.runnerToken });
  if (result.kind !== 'job') {
    throw new Error(`expected a job, got ${result.kind}`);
  }
  const accepted = await w.client.acceptJob(result.job.id, result.job.token);
  expect(accepted).toMatchObject({ kind: 'accepted', cancelRequested: false });
  return result.job;
}

function writerFor(w: World, job: JobPayload): TraceWriter {
  return new TraceWriter({
    client: w.client,
    jobId: job.id,
    jobToken: job.token,
    logger,
    clock: w.clock,
    maskedValues: job.variables.filter(v => v.masked).map(v => v.value),
    tokenMaskPrefixes: job.features.token_mask_prefixes,
  });
}

/** Moves the writer's clock one interval on and waits until its loop sleeps again. */
async function tick(w: World, ms: number): Promise<void> {
  await w.clock.waitForSleepers(1);
  w.clock.advance(ms);
  await w.clock.waitForSleepers(1);
}

describe('GitlabClient against the GitLab emulator', () => {
  it('verifies, requests, accepts, streams a masked log and delivers the final state with checksum', async () => {
    const w = await setUp('unit:\n  script:\n    - echo hello\n');
    await expect(w.client.verifyRunner(w.runnerToken)).resolves.toMatchObject({
      token: w.runnerToken,
    });
    const job = await takeJob(w);
    expect(w.emulator.admin.getJob(job.id).status).toBe('running');
    expect(job.variables.find(v => v.key === 'DEPLOY_TOKEN')).toMatchObject({
      value: secret,
      masked: true,
    });

    const writer = writerFor(w, job);
    writer.start();
    writer.write('$ echo hello\nhello\n');
    writer.write(`token is ${secret.slice(0, 5)}`);
    await tick(w, 3000);
    writer.write(`${secret.slice(5)} and the job token ${job.token}\n`);
    await tick(w, 3000);
    writer.write('Job succeeded\n');
    const summary = await writer.finish();
    expect(summary).toMatchObject({ complete: true, stopped: undefined });

    const outcome = await sendFinalUpdate({
      client: w.client,
      jobId: job.id,
      jobToken: job.token,
      update: { state: 'success' },
      output: () => writer.summary(),
      drainTrace: () => writer.drain(),
      deadlineAtMs: w.clock.now() + 60_000,
      logger,
      clock: w.clock,
    });
    expect(outcome.kind).toBe('delivered');

    const view = w.emulator.admin.getJob(job.id);
    const trace = w.emulator.admin.getTrace(job.id);
    expect(view.status).toBe('success');
    expect(view.traceChecksum).toBe(summary.checksum);
    expect(view.traceBytes).toBe(summary.bytesize);
    expect(trace).not.toContain(secret);
    expect(trace).not.toContain(job.token);
    // CI_JOB_TOKEN is a masked variable, so the whole value goes, as GitLab Runner masks it.
    expect(trace).toContain('token is [MASKED] and the job token [MASKED]\n');
  });

  it('reports failed with the mapped reason and exit code, following 202 until accepted', async () => {
    const w = await setUp('unit:\n  script:\n    - exit 3\n');
    const job = await takeJob(w);
    w.emulator.admin.delayFinalUpdate(job.id, 2);
    // The final-update loop sleeps the 202 interval; this clock skips the waits.
    const finalClock = new ManualClock(w.clock.now(), { autoAdvance: true });
    const writer = writerFor(w, job);
    writer.write('$ exit 3\nERROR: Job failed: exit code 3\n');
    const summary = await writer.finish();
    const outcome = await sendFinalUpdate({
      client: w.client,
      jobId: job.id,
      jobToken: job.token,
      update: {
        state: 'failed',
        failureReason: effectiveFailureReason('script_failure', job.features.failure_reasons),
        exitCode: 3,
      },
      output: () => summary,
      deadlineAtMs: finalClock.now() + 60_000,
      logger,
      clock: finalClock,
    });
    expect(outcome).toMatchObject({ kind: 'delivered', attempts: 3 });
    expect(finalClock.sleeps).toHaveLength(2);
    expect(w.emulator.admin.getJob(job.id)).toMatchObject({
      status: 'failed',
      failureReason: 'script_failure',
      exitCode: 3,
      traceChecksum: summary.checksum,
    });
  });

  it('raises the cancel signal on a graceful cancel and ends canceled after the final update', async () => {
    const w = await setUp('unit:\n  script:\n    - sleep 100\n');
    const job = await takeJob(w);
    const writer = writerFor(w, job);
    writer.start();
    writer.write('$ sleep 100\n');
    w.emulator.admin.cancelJob(job.id, 'graceful');
    const canceled = new Promise(resolve => {
      writer.cancelSignal.addEventListener('abort', resolve);
    });
    await tick(w, 3000);
    await canceled;
    writer.write('$ echo after_script\nafter_script\n');
    const summary = await writer.finish();
    const outcome = await sendFinalUpdate({
      client: w.client,
      jobId: job.id,
      jobToken: job.token,
      update: {
        state: 'failed',
        failureReason: effectiveFailureReason('job_canceled', job.features.failure_reasons),
      },
      output: () => summary,
      deadlineAtMs: w.clock.now() + 60_000,
      logger,
      clock: w.clock,
    });
    expect(outcome.kind).toBe('delivered');
    expect(w.emulator.admin.getJob(job.id).status).toBe('canceled');
    expect(w.emulator.admin.getTrace(job.id)).toContain('after_script\n');
  });

  it('aborts on a forced cancel: the writer stops and the final update reports the job gone', async () => {
    const w = await setUp('unit:\n  script:\n    - sleep 100\n');
    const job = await takeJob(w);
    const writer = writerFor(w, job);
    writer.start();
    writer.write('$ sleep 100\n');
    w.emulator.admin.cancelJob(job.id, 'forced');
    const aborted = new Promise(resolve => {
      writer.abortSignal.addEventListener('abort', resolve);
    });
    await w.clock.waitForSleepers(1);
    w.clock.advance(3000);
    await aborted;
    const summary = await writer.finish();
    expect(summary.stopped).toBeDefined();
    const outcome = await sendFinalUpdate({
      client: w.client,
      jobId: job.id,
      jobToken: job.token,
      update: { state: 'failed', failureReason: 'runner_system_failure' },
      output: () => summary,
      deadlineAtMs: w.clock.now() + 60_000,
      logger,
      clock: w.clock,
    });
    // GitLab answers 403 with `Job-Status: canceled`: the job is final and no longer ours.
    expect(outcome).toMatchObject({ kind: 'already-final', jobStatus: 'canceled', attempts: 1 });
    expect(w.emulator.admin.getJob(job.id).status).toBe('canceled');
  });

  it('resyncs after a lost PATCH answer, retries 502s, and caps the log at output_limit', async () => {
    const w = await setUp('unit:\n  script:\n    - yes | head -c 20000\n');
    const job = await takeJob(w);
    const writer = new TraceWriter({
      client: w.client,
      jobId: job.id,
      jobToken: job.token,
      logger,
      clock: w.clock,
      outputLimitBytes: 1000,
    });
    writer.start();
    writer.write('x'.repeat(400));
    w.emulator.admin.addFault({
      method: 'PATCH',
      path: '/api/v4/jobs/*/trace',
      kind: 'drop',
      dropAt: 'response',
      count: 1,
    });
    await tick(w, 3000);
    for (let i = 0; i < 20; i++) {
      writer.write('y'.repeat(1000));
    }
    await tick(w, 3000);
    await tick(w, 3000);
    const summary = await writer.finish();
    expect(summary).toMatchObject({
      complete: true,
      limitReached: true,
      bytesize: 1000 + outputLimitMarker(1000).length,
    });

    w.emulator.admin.addFault({
      method: 'PUT',
      path: '/api/v4/jobs/*',
      kind: 'status',
      status: 502,
      count: 2,
    });
    const finalClock = new ManualClock(w.clock.now(), { autoAdvance: true });
    const finalClient = new GitlabClient({
      url: w.emulator.url,
      logger,
      runnerInfo: buildRunnerInfo({ version: '0.1.0' }),
      clock: finalClock,
    });
    const outcome = await sendFinalUpdate({
      client: finalClient,
      jobId: job.id,
      jobToken: job.token,
      update: { state: 'success' },
      output: () => summary,
      deadlineAtMs: finalClock.now() + 60_000,
      logger,
      clock: finalClock,
    });
    expect(outcome).toMatchObject({ kind: 'delivered', attempts: 1 });
    const view = w.emulator.admin.getJob(job.id);
    expect(view).toMatchObject({
      status: 'success',
      traceBytes: summary.bytesize,
      traceChecksum: summary.checksum,
    });
    const patches = w.emulator.admin.listRequests({ jobId: job.id, method: 'PATCH' });
    // The first answer was lost after GitLab stored it; the re-send got 416 and the writer resynced.
    const end = String(summary.bytesize - 1);
    expect(patches.map(p => [p.contentRange, p.status])).toEqual([
      ['0-399', patches[0]!.status],
      [`0-${end}`, 416],
      [`400-${end}`, 202],
    ]);
    expect(patches[0]!.fault).toBeDefined();
    // Faulted requests are logged before routing, so match them by path rather than job id.
    const puts = w.emulator.admin.listRequests({
      method: 'PUT',
      pathPrefix: `/api/v4/jobs/${job.id}`,
    });
    expect(puts.slice(-3).map(p => p.status)).toEqual([502, 502, 200]);
    const trace = w.emulator.admin.getTrace(job.id);
    expect(trace.startsWith('x'.repeat(400) + 'y'.repeat(600))).toBe(true);
    expect(trace.endsWith(outputLimitMarker(1000).toString())).toBe(true);
  });
});
