// Fair-share arithmetic of the B35 scenarios, on records only (arrival from the test, start from
// the job's own trace, instance lives from the AWS emulator): each job's wait against its
// fair-share bound, how many later jobs overtook it, and the most instances alive at once.

/** One job as the scenario saw it. */
export interface JobTiming {
  readonly id: number;
  /** The tag set the job asked for. */
  readonly tagSet: string;
  /** When its pipeline was created (the job became pending in GitLab). */
  readonly arrivedAtMs: number;
  /** When its script began on the instance. */
  readonly startedAtMs: number;
}

/** A job's wait and the bound it is held to. */
export interface FairShareVerdict {
  readonly id: number;
  readonly tagSet: string;
  readonly waitMs: number;
  /** Jobs of its domain queued before it and not yet started when it arrived. */
  readonly aheadCount: number;
  /** `launchMs + aheadCount / throughput`. */
  readonly boundMs: number;
  /** Later-arrived jobs of its domain that started before it. */
  readonly overtakenBy: number;
}

/** The verdicts of one fairness domain (the jobs that compete for one pool's slots). */
export interface DomainReport {
  /** Starts per millisecond from the domain's first start to its last. */
  readonly throughputPerMs: number;
  /** From the domain's first arrival to its first start: creating the first capacity. */
  readonly launchMs: number;
  readonly verdicts: readonly FairShareVerdict[];
}

const byArrival = (a: JobTiming, b: JobTiming): number =>
  a.arrivedAtMs - b.arrivedAtMs || a.id - b.id;

/**
 * Holds each job of one domain to `queue position ÷ throughput + launch time` (field report
 * B35), with the throughput and launch time measured on the same run, so the bound is a ratio
 * of the run's own pace and never a wall-clock figure.
 */
export function fairShareReport(jobs: readonly JobTiming[]): DomainReport {
  if (jobs.length < 2) {
    throw new Error('a fair-share report needs at least two jobs');
  }
  const ordered = [...jobs].sort(byArrival);
  const starts = ordered.map(j => j.startedAtMs);
  const firstStartMs = Math.min(...starts);
  const spanMs = Math.max(...starts) - firstStartMs;
  // All starts in one instant would make the pace infinite; one millisecond keeps it finite.
  const throughputPerMs = (ordered.length - 1) / Math.max(1, spanMs);
  const launchMs = Math.max(0, firstStartMs - (ordered[0]?.arrivedAtMs ?? firstStartMs));
  const verdicts = ordered.map((job, index) => {
    const earlier = ordered.slice(0, index);
    const later = ordered.slice(index + 1);
    const aheadCount = earlier.filter(k => k.startedAtMs > job.arrivedAtMs).length;
    return {
      id: job.id,
      tagSet: job.tagSet,
      waitMs: job.startedAtMs - job.arrivedAtMs,
      aheadCount,
      boundMs: launchMs + aheadCount / throughputPerMs,
      overtakenBy: later.filter(k => k.startedAtMs < job.startedAtMs).length,
    };
  });
  return { throughputPerMs, launchMs, verdicts };
}

/** A span of time an instance was alive; `endMs` undefined while it still is. */
export interface LifeSpan {
  readonly startMs: number;
  readonly endMs: number | undefined;
}

/** The most spans alive at one moment (a span ending at t no longer counts at t). */
export function peakConcurrent(spans: readonly LifeSpan[]): number {
  const events: [number, number][] = [];
  for (const span of spans) {
    events.push([span.startMs, 1]);
    if (span.endMs !== undefined) {
      events.push([span.endMs, -1]);
    }
  }
  // Ends before starts at the same instant: a replacement launched as another ends is no overlap.
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let live = 0;
  let peak = 0;
  for (const [, delta] of events) {
    live += delta;
    peak = Math.max(peak, live);
  }
  return peak;
}
