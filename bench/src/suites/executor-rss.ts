import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import { demoMaxInstances } from '@taskfleet/cli';

import { trivialProject, waitForPipeline } from '../support/demo-fleet';
import { fixed } from '../support/measure';
import { processMemory } from '../support/proc-stats';
import type { ProcessMemory } from '../support/proc-stats';
import { startProcessFleet } from '../support/process-fleet';
import type { ProcessFleet } from '../support/process-fleet';
import type { Figure } from '../support/report';

const concurrentJobs = 200;
const capacityPerInstance = 70;
// Every job sleeps until the same wall-clock second, so all 200 are running together for a
// while however long intake takes; the hold is bounded by the suite's own timeout.
const holdMs = 60_000;
const sampleIntervalMs = 250;
const pipelineTimeoutMs = 180_000;

/**
 * Executor memory: the resident set of the `taskfleet run executor` process idle on a warm fleet
 * (SSH connections pooled), then while 200 trivial jobs run at once (each `sleep`s to a common
 * end, so they overlap), then after they ended. Read from `/proc/<pid>/status`.
 */
export async function executorRssSuite(options: {
  readonly cpuProfileDir?: string | undefined;
}): Promise<Figure[]> {
  const workDir = await mkdtemp(join(tmpdir(), 'taskfleet-bench-rss-'));
  let fleet: ProcessFleet | undefined;
  try {
    fleet = await startProcessFleet({
      capacityPerInstance,
      requestConcurrency: 8,
      cpuProfileDir: options.cpuProfileDir,
    });
    const admin = fleet.world.gitlab.admin;
    const pid = fleet.executor.process.pid ?? 0;
    const idleCold = await processMemory(pid);
    // Warm-up: one trivial job per slot, so the idle figure has its SSH connections pooled.
    const warmUp = await fleet.createProject(
      'bench/rss-warm-up',
      await trivialProject(workDir, fleet.slots),
    );
    await expectSuccess(fleet, (await admin.createPipeline(warmUp)).id);
    await delay(2_000);
    const idleWarm = await processMemory(pid);

    const projectId = await fleet.createProject(
      'bench/rss',
      await trivialProject(
        workDir,
        concurrentJobs,
        'sleep $(( HOLD_UNTIL_S > $(date +%s) ? HOLD_UNTIL_S - $(date +%s) : 0 ))',
      ),
    );
    const holdUntilS = Math.ceil((Date.now() + holdMs) / 1000);
    const pipeline = await admin.createPipeline(projectId, {
      variables: [{ key: 'HOLD_UNTIL_S', value: String(holdUntilS) }],
    });
    let peakRunning = 0;
    let busy: ProcessMemory | undefined;
    let busySamples = 0;
    while (Date.now() < holdUntilS * 1000 - sampleIntervalMs) {
      const running = admin
        .getPipeline(pipeline.id)
        .jobs.filter(job => job.status === 'running').length;
      peakRunning = Math.max(peakRunning, running);
      if (running === concurrentJobs) {
        const now = await processMemory(pid);
        busySamples += 1;
        busy = busy === undefined || now.rssMiB > busy.rssMiB ? now : busy;
      }
      await delay(sampleIntervalMs);
    }
    await expectSuccess(fleet, pipeline.id);
    await delay(2_000);
    const after = await processMemory(pid);
    const suite =
      `executor RSS (taskfleet run executor, ${concurrentJobs} concurrent sleeping jobs, ` +
      `warm fleet ${demoMaxInstances} × ${capacityPerInstance} slots)`;
    const row = (name: string, value: string, unit = 'MiB', target = ''): Figure => ({
      suite,
      name,
      value,
      unit,
      target,
    });
    return [
      row('idle, fleet warm, before any job', fixed(idleCold.rssMiB)),
      row('idle, SSH connections pooled', fixed(idleWarm.rssMiB)),
      row(
        `highest RSS while all ${concurrentJobs} ran (${busySamples} samples)`,
        busy === undefined ? 'not reached' : fixed(busy.rssMiB),
        busy === undefined ? '' : 'MiB',
        '≤ 150 MiB',
      ),
      row('most jobs running at once', String(peakRunning), 'jobs'),
      row('peak RSS over the run (VmHWM)', fixed(after.peakRssMiB)),
      row('idle again, 2 s after the jobs ended', fixed(after.rssMiB)),
    ];
  } finally {
    await fleet?.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

async function expectSuccess(fleet: ProcessFleet, pipelineId: number): Promise<void> {
  const status = await waitForPipeline(fleet.world.gitlab, pipelineId, pipelineTimeoutMs);
  if (status !== 'success') {
    throw new Error(`bench: pipeline ${pipelineId} ended ${status}`);
  }
}
