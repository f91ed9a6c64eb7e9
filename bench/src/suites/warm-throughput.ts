import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { demoMaxInstances } from '@taskfleet/cli';

import { trivialProject, waitForPipeline } from '../support/demo-fleet';
import { fixed } from '../support/measure';
import { childTreesCpu, machineBusyCpuMs } from '../support/proc-stats';
import type { ChildTree } from '../support/proc-stats';
import { startProcessFleet } from '../support/process-fleet';
import type { ProcessFleet } from '../support/process-fleet';
import type { Figure } from '../support/report';

const jobCount = 400;
const capacityPerInstance = 70;
const requestConcurrency = 8;
const pipelineTimeoutMs = 240_000;

/**
 * Warm throughput: one pipeline of 400 trivial jobs (`echo`, no clone) through poller → queue →
 * executor → sshd instance → final state, on a warm fleet of 3 × 70 slots so slots never run
 * out, the services in processes of their own. The rate is counted by the GitLab emulator: jobs
 * over the span from the first hand-out to the last final state.
 */
export async function warmThroughputSuite(options: {
  readonly cpuProfileDir?: string | undefined;
}): Promise<Figure[]> {
  const workDir = await mkdtemp(join(tmpdir(), 'taskfleet-bench-throughput-'));
  let fleet: ProcessFleet | undefined;
  try {
    fleet = await startProcessFleet({
      capacityPerInstance,
      requestConcurrency,
      cpuProfileDir: options.cpuProfileDir,
    });
    const admin = fleet.world.gitlab.admin;
    // Warm-up: one job per slot opens the pooled SSH connections the run will use.
    await runPipeline(fleet, await trivialProject(workDir, fleet.slots), 'bench/throughput-warm');
    const cpuBefore = await cpuByPart(fleet);
    const machineBefore = await machineBusyCpuMs();
    const windowStart = process.hrtime.bigint();
    const pipelineId = await runPipeline(
      fleet,
      await trivialProject(workDir, jobCount),
      'bench/throughput',
    );
    const windowMs = Number(process.hrtime.bigint() - windowStart) / 1e6;
    const machineBusyMs = (await machineBusyCpuMs()) - machineBefore;
    const cpuAfter = await cpuByPart(fleet);
    const jobs = admin.getPipeline(pipelineId).jobs.map(job => admin.getJob(job.id));
    const firstHandOut = Math.min(...jobs.map(job => job.assignedAtMs ?? Number.NaN));
    const lastFinal = Math.max(...jobs.map(job => job.finishedAtMs ?? Number.NaN));
    const spanS = (lastFinal - firstHandOut) / 1000;
    const suite =
      `warm throughput (${jobCount} trivial jobs, warm fleet ${demoMaxInstances} × ` +
      `${capacityPerInstance} slots, request_concurrency ${requestConcurrency})`;
    const row = (name: string, value: string, unit: string, target = ''): Figure => ({
      suite,
      name,
      value,
      unit,
      target,
    });
    const cpuPerJob = (part: Part): string =>
      fixed(((cpuAfter.get(part) ?? 0) - (cpuBefore.get(part) ?? 0)) / jobCount);
    return [
      row(
        'jobs per second, first hand-out → last final state',
        fixed(jobCount / spanS),
        'jobs/s',
        '≥ 300 jobs/s',
      ),
      row('span, first hand-out → last final state', fixed(spanS), 's'),
      ...parts.map(part => row(`${part} CPU per job`, cpuPerJob(part), 'ms')),
      row(
        'machine CPU busy, pipeline start → end seen (2 cores = 200 %, others’ work included)',
        fixed((100 * machineBusyMs) / windowMs),
        '%',
      ),
    ];
  } finally {
    await fleet?.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

const parts = [
  'poller',
  'executor',
  'scaler',
  'redis-server',
  'instances (sshd, shells)',
  'emulators (bench process)',
] as const;
type Part = (typeof parts)[number];

/** CPU time (ms) used so far by each part of the run, read from /proc. */
async function cpuByPart(fleet: ProcessFleet): Promise<Map<Part, number>> {
  const byPid = new Map<number | undefined, Part>([
    [fleet.poller.process.pid, 'poller'],
    [fleet.executor.process.pid, 'executor'],
    [fleet.scaler.process.pid, 'scaler'],
  ]);
  const partOf = (child: ChildTree): Part =>
    byPid.get(child.pid) ??
    (child.name === 'redis-server' ? 'redis-server' : 'instances (sshd, shells)');
  const out = new Map<Part, number>();
  for (const child of await childTreesCpu(process.pid)) {
    out.set(partOf(child), (out.get(partOf(child)) ?? 0) + child.cpuMs);
  }
  const own = process.cpuUsage();
  out.set('emulators (bench process)', (own.user + own.system) / 1000);
  return out;
}

/** Creates a project from `dir`, runs one pipeline of it to success and returns its id. */
async function runPipeline(fleet: ProcessFleet, dir: string, path: string): Promise<number> {
  const projectId = await fleet.createProject(path, dir);
  const pipeline = await fleet.world.gitlab.admin.createPipeline(projectId);
  const status = await waitForPipeline(fleet.world.gitlab, pipeline.id, pipelineTimeoutMs);
  if (status !== 'success') {
    throw new Error(`bench: pipeline ${path} ended ${status}`);
  }
  return pipeline.id;
}
