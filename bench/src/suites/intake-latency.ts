import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { demoMaxInstances } from '@taskfleet/cli';
import { spanNames, traceAttributes } from '@taskfleet/telemetry';

import { trivialProject, waitForPipeline } from '../support/demo-fleet';
import { fixed, percentile } from '../support/measure';
import { startOtlpReceiver } from '../support/otlp-receiver';
import type { OtlpReceiver, ReceivedSpan } from '../support/otlp-receiver';
import { startProcessFleet } from '../support/process-fleet';
import type { ProcessFleet } from '../support/process-fleet';
import type { Figure } from '../support/report';

const jobCount = 100;
const warmUpJobs = 12;
const jobTimeoutMs = 30_000;
const suiteTimeoutMs = 240_000;
// The job's first script line prints the instance's wall clock in ns; the same clock as the
// emulator's Date.now(), since every instance is an sshd on this machine.
const marker = 'bench-first-line';
const stageKey = traceAttributes.stage;
const jobIdKey = traceAttributes.gitlabJobId;
const firstLine = `echo "${marker} $(date +%s%N)"`;

/** One job's timeline, in ms after GitLab handed it out (the emulator's own timestamp). */
interface Timeline {
  /** From the emulator: PUT state=running arrived, first trace PATCH arrived, final PUT. */
  readonly acceptedMs: number;
  readonly firstTraceMs: number;
  readonly finishedMs: number;
  /** From the instance: the first script line ran. */
  readonly firstLineMs: number;
  /** From the services' spans: the job in the queue, taken by the executor, its first stage. */
  readonly enqueuedMs: number;
  readonly takenMs: number;
  readonly firstStageMs: number;
  /** Each stage's duration before the script's (prepare_script, get_sources), by stage name. */
  readonly stageMs: ReadonlyMap<string, number>;
}

/**
 * Intake-to-start on a warm fleet: one trivial job at a time, so nothing queues, each from the
 * moment the GitLab emulator hands it to the poller (`assignedAtMs`, taken before the 201 is
 * written) to the moment its first script line runs on the instance (`date +%s%N` there). The
 * services are their own processes; SSH connections are pooled by warm-up jobs first.
 */
export async function intakeLatencySuite(options: {
  readonly cpuProfileDir?: string | undefined;
}): Promise<Figure[]> {
  const suiteDeadline = Date.now() + suiteTimeoutMs;
  const workDir = await mkdtemp(join(tmpdir(), 'taskfleet-bench-intake-'));
  let fleet: ProcessFleet | undefined;
  let receiver: OtlpReceiver | undefined;
  try {
    receiver = await startOtlpReceiver();
    fleet = await startProcessFleet({
      capacityPerInstance: 2,
      requestConcurrency: 2,
      cpuProfileDir: options.cpuProfileDir,
      // Spans give the split inside taskfleet; they are batched, off the job's path.
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '200',
      },
    });
    const projectId = await fleet.createProject(
      'bench/intake-latency',
      await trivialProject(workDir, 1, firstLine),
    );
    // Warm-up: a pipeline of the fleet's every slot at once opens a pooled SSH connection on
    // every instance; a few single jobs after it warm the services' code paths.
    const wide = await fleet.createProject(
      'bench/intake-warm-up',
      await trivialProject(workDir, fleet.slots),
    );
    await runOne(fleet, wide);
    for (let i = 0; i < warmUpJobs; i += 1) {
      await runOne(fleet, projectId);
    }
    const jobIds: number[] = [];
    while (jobIds.length < jobCount) {
      if (Date.now() > suiteDeadline) {
        throw new Error(`bench: ${jobIds.length}/${jobCount} jobs within ${suiteTimeoutMs} ms`);
      }
      jobIds.push(...(await runOne(fleet, projectId)));
    }
    // Stopping the services flushes their last spans.
    const done = fleet;
    fleet = undefined;
    await done.close();
    const spans = receiver.spans();
    return figures(jobIds.map(jobId => timelineOf(done, spans, jobId)));
  } finally {
    await fleet?.close();
    await receiver?.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

/** Runs one pipeline of `projectId` to success; returns its job ids. */
async function runOne(fleet: ProcessFleet, projectId: number): Promise<number[]> {
  const admin = fleet.world.gitlab.admin;
  const pipeline = await admin.createPipeline(projectId);
  const status = await waitForPipeline(fleet.world.gitlab, pipeline.id, jobTimeoutMs, 10);
  if (status !== 'success') {
    throw new Error(`bench: pipeline ${pipeline.id} ended ${status}`);
  }
  return admin.getPipeline(pipeline.id).jobs.map(job => job.id);
}

function timelineOf(
  fleet: ProcessFleet,
  allSpans: readonly ReceivedSpan[],
  jobId: number,
): Timeline {
  const admin = fleet.world.gitlab.admin;
  const job = admin.getJob(jobId);
  const trace = admin.getTrace(jobId);
  const ns = new RegExp(`${marker} (\\d{16,})`).exec(trace)?.[1];
  const firstPatch = admin
    .listRequests({ jobId, method: 'PATCH' })
    .reduce((first, entry) => Math.min(first, entry.receivedAtMs), Number.POSITIVE_INFINITY);
  if (
    ns === undefined ||
    job.assignedAtMs === undefined ||
    job.startedAtMs === undefined ||
    job.finishedAtMs === undefined
  ) {
    throw new Error(`bench: job ${jobId} lacks a timestamp or its first-line marker`);
  }
  const assigned = job.assignedAtMs;
  // Nanoseconds as a whole number exceed 2^53; BigInt keeps the sub-millisecond digits.
  const sinceAssigned = (atNs: bigint): number =>
    Number(atNs - BigInt(assigned) * 1_000_000n) / 1e6;
  const spans = spansOfJob(allSpans, jobId);
  const span = (name: string, stage?: string): ReceivedSpan => {
    const found = spans.find(
      s => s.name === name && (stage === undefined || s.attributes[stageKey] === stage),
    );
    if (found === undefined) {
      throw new Error(`bench: job ${jobId} has no ${name} ${stage ?? ''} span`);
    }
    return found;
  };
  const stages = spans
    .filter(s => s.name === spanNames.executorStage)
    .sort((a, b) => (a.startNs < b.startNs ? -1 : 1));
  const beforeScript = stages.slice(
    0,
    stages.findIndex(s => s.attributes[stageKey] === 'step_script'),
  );
  return {
    acceptedMs: job.startedAtMs - assigned,
    firstTraceMs: firstPatch - assigned,
    finishedMs: job.finishedAtMs - assigned,
    firstLineMs: sinceAssigned(BigInt(ns)),
    enqueuedMs: sinceAssigned(span(spanNames.pollerEnqueue).endNs),
    takenMs: sinceAssigned(span(spanNames.executorJob).startNs),
    firstStageMs: sinceAssigned(stages[0]?.startNs ?? 0n),
    stageMs: new Map(
      beforeScript.map(s => [String(s.attributes[stageKey]), Number(s.endNs - s.startNs) / 1e6]),
    ),
  };
}

/** The spans of every trace that names GitLab job `jobId` (one trace per job). */
function spansOfJob(spans: readonly ReceivedSpan[], jobId: number): ReceivedSpan[] {
  const traces = new Set(spans.filter(s => s.attributes[jobIdKey] === jobId).map(s => s.traceId));
  return spans.filter(s => traces.has(s.traceId));
}

function figures(timelines: readonly Timeline[]): Figure[] {
  const suite = `intake to start (${jobCount} jobs one at a time, warm fleet ${demoMaxInstances} × 2 slots)`;
  const sorted = (pick: (t: Timeline) => number): number[] =>
    timelines.map(pick).sort((a, b) => a - b);
  const firstLine = sorted(t => t.firstLineMs);
  const row = (name: string, value: number, target = ''): Figure => ({
    suite,
    name,
    value: fixed(value),
    unit: 'ms',
    target,
  });
  const p50 = (values: number[]): number => percentile(values, 0.5);
  const stageNames = [...(timelines[0]?.stageMs.keys() ?? [])];
  return [
    row('handed out → first script line, p50', p50(firstLine), '≤ 5 ms'),
    row('handed out → first script line, p95', percentile(firstLine, 0.95)),
    row('handed out → first script line, p99', percentile(firstLine, 0.99), '≤ 25 ms'),
    row('handed out → first script line, max', firstLine.at(-1) ?? Number.NaN),
    row('handed out → accepted (PUT running arrives), p50', p50(sorted(t => t.acceptedMs))),
    row(
      'handed out → in the queue (poller enqueue span ends), p50',
      p50(sorted(t => t.enqueuedMs)),
    ),
    row('handed out → executor takes it (job span starts), p50', p50(sorted(t => t.takenMs))),
    row(
      'handed out → executor starts the first stage (prepare_script), p50',
      p50(sorted(t => t.firstStageMs)),
    ),
    row(
      'handed out → executor starts the first stage (prepare_script), p99',
      percentile(
        sorted(t => t.firstStageMs),
        0.99,
      ),
    ),
    ...stageNames.map(stage =>
      row(
        `stage ${stage} (one login shell over SSH), p50`,
        p50(sorted(t => t.stageMs.get(stage) ?? Number.NaN)),
      ),
    ),
    row('handed out → first trace PATCH arrives, p50', p50(sorted(t => t.firstTraceMs))),
    row('handed out → final state arrives, p50', p50(sorted(t => t.finishedMs))),
  ];
}
