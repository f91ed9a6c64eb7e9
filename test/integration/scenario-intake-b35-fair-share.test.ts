// B35: at scale, jobs "stole" each other's runners and some waited for hours. The report's test
// is 200 jobs across 3 tag sets arriving within 60 s with max_instances = 100. Scaled down here
// for real sshd instances on a shared 2-core machine: 90 jobs across 3 tag sets (30 each),
// arriving in 9 pipelines within 3 s, and 12 instances in all (capacity_per_instance = 1). The
// ratios that make the report's trigger happen are kept or made harder: 7.5 times more jobs
// than capacity (the report has two), all of them arriving as one burst, and a fleet at zero,
// so capacity is created while the jobs wait.
//
// Two ways to run three tag sets on taskfleet, both the whole product (`taskfleet run all`) on
// the GitLab and AWS emulators:
// - one [[runners]] entry whose runner has all three tags: any slot serves any job, so the
//   jobs of all sets compete for one pool, and fairness means first come, first served;
// - one [[runners]] entry per tag set, 4 instances each (together the 12): each set has its
//   own pool and GitLab routes each job only to the runner whose tags cover it.
//
// Each job's wait (pipeline creation → first line of its script, stamped on the instance) is held
// to its fair-share bound, queue position ÷ throughput + launch time, both measured on the
// same run (support/fair-share.ts), so the assertion is a ratio, never a wall-clock speed. The
// slack is generous (see `boundSlack`). Instances are sampled every 100 ms from the emulator
// and also counted from its record of every launch and termination.
import { fairShareReport, peakConcurrent } from './support/fair-share';
import type { DomainReport, JobTiming } from './support/fair-share';
import { startFairShareWorld } from './support/fair-share-world';
import type { FairShareWorld, FleetSample } from './support/fair-share-world';
import { until } from './support/taskfleet-processes';

const tagSets = ['b35-alpha', 'b35-beta', 'b35-gamma'] as const;
const pipelineCount = 9;
const jobsPerPipeline = 10;
const jobCount = pipelineCount * jobsPerPipeline;
const burstMs = 3_000;
const totalInstances = 12;
const runBoundMs = 150_000;
// A job may wait up to twice its bound: instances come up one by one after the first. A starved
// job is far over it.
const boundSlack = 2;

jest.setTimeout(runBoundMs + 60_000);

/** The tag set of job `k` of pipeline `p`: six of the pipeline's own set, two of each other. */
function tagSetOf(pipeline: number, k: number): string {
  const own = pipeline % tagSets.length;
  const offset = [0, 1, 0, 2, 0, 0, 1, 0, 2, 0][k] ?? 0;
  return tagSets[(own + offset) % tagSets.length] ?? tagSets[0];
}

// Each job's tag comes from a pipeline variable, so one .gitlab-ci.yml makes every mix.
const ciYaml = [
  'variables:',
  '  GIT_STRATEGY: none',
  ...Array.from({ length: jobsPerPipeline }, (_, k) => [
    `job-${k}:`,
    `  tags: ["$TAG_${k}"]`,
    '  script:',
    '    - echo "b35-start $(date +%s%3N)"',
    '    - sleep 0.3',
  ]).flat(),
  '',
].join('\n');

interface Burst {
  readonly timings: JobTiming[];
  readonly samples: FleetSample[];
}

async function runBurst(world: FairShareWorld): Promise<Burst> {
  world.startProduct();
  // Every runner polls before the burst, so launch time is the fleet's, not process start-up.
  await until(
    'every runner polling',
    () =>
      world.pools.every(p => world.gitlab.admin.getRunner(p.runnerId).contactedAtMs !== undefined),
    60_000,
  );
  const samples: FleetSample[] = [];
  const sampler = setInterval(() => samples.push(world.sampleFleet()), 100);
  try {
    const arrivals: { id: number; tagSet: string; arrivedAtMs: number }[] = [];
    for (let p = 0; p < pipelineCount; p++) {
      const variables = Array.from({ length: jobsPerPipeline }, (_, k) => ({
        key: `TAG_${k}`,
        value: tagSetOf(p, k),
      }));
      const arrivedAtMs = Date.now();
      const pipeline = await world.gitlab.admin.createPipeline(world.projectId, { variables });
      for (const job of pipeline.jobs) {
        const k = Number(job.name.replace('job-', ''));
        arrivals.push({ id: job.id, tagSet: tagSetOf(p, k), arrivedAtMs });
      }
      await new Promise(resolve => setTimeout(resolve, burstMs / pipelineCount));
    }
    expect(arrivals).toHaveLength(jobCount);
    const final = new Set(['success', 'failed', 'canceled']);
    await until(
      'every job final',
      () => arrivals.every(a => final.has(world.gitlab.admin.getJob(a.id).status)),
      runBoundMs,
      200,
    );
    const timings = arrivals.map(a => {
      const view = world.gitlab.admin.getJob(a.id);
      expect([a.id, view.status]).toEqual([a.id, 'success']);
      const stamp = /^b35-start (\d+)$/m.exec(world.gitlab.admin.getTrace(a.id));
      expect(stamp).not.toBeNull();
      return { ...a, startedAtMs: Number(stamp?.[1]) };
    });
    return { timings, samples };
  } finally {
    clearInterval(sampler);
  }
}

/** Asserts the bound for every job of the domain and that no tag set fares worse than the rest. */
function expectFairShare(report: DomainReport, capacity: number): void {
  const over = report.verdicts.filter(v => v.waitMs > boundSlack * v.boundMs);
  expect(over).toEqual([]);
  // GitLab hands out jobs oldest first and the registry grants slots to waiting jobs in the
  // order they first asked; executors take queue entries concurrently, so a job may still be
  // overtaken by a few later ones (3 seen in a run), never most of the queue as a starving job is.
  expect(report.verdicts.filter(v => v.overtakenBy > boundSlack * capacity)).toEqual([]);
  for (const tagSet of new Set(report.verdicts.map(v => v.tagSet))) {
    const ratios = report.verdicts.filter(v => v.tagSet === tagSet).map(v => v.waitMs / v.boundMs);
    expect([tagSet, Math.max(...ratios) <= boundSlack]).toEqual([tagSet, true]);
  }
}

function summary(report: DomainReport): Record<string, number> {
  const ratios = report.verdicts.map(v => v.waitMs / v.boundMs).sort((a, b) => a - b);
  return {
    jobs: report.verdicts.length,
    launchMs: Math.round(report.launchMs),
    startsPerS: Math.round(report.throughputPerMs * 10_000) / 10,
    maxWaitMs: Math.max(...report.verdicts.map(v => v.waitMs)),
    medianRatio: Math.round((ratios[Math.floor(ratios.length / 2)] ?? 0) * 100) / 100,
    maxRatio: Math.round((ratios.at(-1) ?? 0) * 100) / 100,
    maxOvertaken: Math.max(...report.verdicts.map(v => v.overtakenBy)),
  };
}

describe('B35 fair share of 90 jobs across 3 tag sets with 12 instances', () => {
  let world: FairShareWorld | undefined;

  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('one runner with all three tags: first come, first served, no tag set starves, ≤ 12 instances', async () => {
    world = await startFairShareWorld({
      name: 'b35-one',
      pools: [{ tags: [...tagSets], maxInstances: totalInstances }],
      ciYaml,
      concurrent: totalInstances,
      bootDelayMs: 1_000,
    });
    const { timings, samples } = await runBurst(world);
    const report = fairShareReport(timings);
    process.stderr.write(`B35 one runner: ${JSON.stringify(summary(report))}\n`);
    expectFairShare(report, totalInstances);
    expect(samples.filter(s => (s.liveByGroup[0] ?? 0) > totalInstances)).toEqual([]);
    const lives = world.instanceLives();
    const spans = lives.map(l => ({ startMs: l.launchedAtMs, endMs: l.terminatedAtMs }));
    expect(peakConcurrent(spans)).toBe(totalInstances);
  });

  it('a runner per tag set, 4 instances each: each set within its share, ≤ 12 instances in all', async () => {
    const perSet = totalInstances / tagSets.length;
    world = await startFairShareWorld({
      name: 'b35-three',
      pools: tagSets.map(tag => ({ tags: [tag], maxInstances: perSet })),
      ciYaml,
      concurrent: totalInstances,
      bootDelayMs: 1_000,
    });
    const { timings, samples } = await runBurst(world);
    for (const tagSet of tagSets) {
      const report = fairShareReport(timings.filter(t => t.tagSet === tagSet));
      process.stderr.write(`B35 runner ${tagSet}: ${JSON.stringify(summary(report))}\n`);
      expectFairShare(report, perSet);
    }
    const sum = (s: FleetSample): number => s.liveByGroup.reduce((a, b) => a + b, 0);
    expect(samples.filter(s => sum(s) > totalInstances)).toEqual([]);
    expect(samples.filter(s => s.liveByGroup.some(n => n > perSet))).toEqual([]);
    const lives = world.instanceLives();
    const spanOf = (l: (typeof lives)[number]) => ({
      startMs: l.launchedAtMs,
      endMs: l.terminatedAtMs,
    });
    expect(peakConcurrent(lives.map(spanOf))).toBe(totalInstances);
    for (const pool of world.pools) {
      expect(peakConcurrent(lives.filter(l => l.groupName === pool.groupName).map(spanOf))).toBe(
        perSet,
      );
    }
    // GitLab routed every job to the runner of its own tag set.
    for (const t of timings) {
      const pool = world.pools.find(p => p.tags.includes(t.tagSet));
      expect([t.id, world.gitlab.admin.getJob(t.id).runnerId]).toEqual([t.id, pool?.runnerId]);
    }
  });
});
