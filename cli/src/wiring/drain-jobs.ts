import type { Logger } from 'pino';

import type { RunningService } from './service';

/** How a bounded shutdown of the job-running parts went. */
export interface DrainResult {
  /** Deliveries in progress when the shutdown began. */
  readonly runningJobs: number;
  /** Deliveries still in progress at the limit, aborted as system failures. */
  readonly abortedJobs: number;
  /** Some aborted ones had not ended `abortGraceMs` later; their parts are still closing. */
  readonly overran: boolean;
}

/**
 * How long aborted jobs get to end after the limit: their kill, the rest of their log and one
 * final update, each quick unless GitLab or the instance hangs (a GitLab request may take
 * minutes to time out), so the shutdown stays bounded.
 */
export const abortGraceMs = 15_000;

/** Inputs of drainJobs; the clock is injected so tests need no real time. */
export interface DrainInput {
  readonly services: readonly RunningService[];
  /** `shutdown_timeout`; `Infinity` waits for every job (a SIGQUIT). */
  readonly limitMs: number;
  /** The stop signal, named in the aborted jobs' logs. */
  readonly signal: string;
  readonly logger: Logger;
  readonly nowMs: () => number;
  /** Resolves after `ms`, or early when `abort` aborts. */
  readonly sleep: (ms: number, abort: AbortSignal) => Promise<void>;
}

function total(services: readonly RunningService[], count: (s: RunningService) => number): number {
  return services.reduce((sum, s) => sum + count(s), 0);
}

/** The last log line of a job the shutdown aborted, in GitLab Runner's `aborted: <signal>` form. */
export function shutdownReason(signal: string, limitMs: number): string {
  const seconds = Math.round(limitMs / 1000);
  return `aborted: the executor shut down (${signal}) and the job did not end within shutdown_timeout (${seconds}s)`;
}

/**
 * Starts closing every part that runs jobs, so none takes another delivery; logs how many run
 * and until when they may; past `limitMs` aborts those still running (each reported to GitLab
 * as a system failure, its slot released) and resolves once those parts have closed. Their
 * close failures are left to closeAll, which gets the same (idempotent) close promise.
 */
export async function drainJobs(input: DrainInput): Promise<DrainResult> {
  const { logger, limitMs } = input;
  const draining = input.services.filter(s => s.jobs !== undefined);
  if (draining.length === 0) {
    return { runningJobs: 0, abortedJobs: 0, overran: false };
  }
  const runningJobs = total(draining, s => s.jobs?.runningJobs() ?? 0);
  const closed = Promise.allSettled(draining.map(s => s.close()));
  const bounded = Number.isFinite(limitMs);
  logger.info(
    {
      runningJobs,
      shutdownTimeoutMs: bounded ? limitMs : null,
      deadline: bounded ? new Date(input.nowMs() + limitMs).toISOString() : null,
    },
    'draining running jobs',
  );
  const passes = async (ms: number): Promise<boolean> => {
    const timer = new AbortController();
    const passed = input.sleep(ms, timer.signal).then(() => !timer.signal.aborted);
    const first = await Promise.race([closed.then(() => false), passed]);
    timer.abort();
    return first;
  };
  let abortedJobs = 0;
  if (bounded && (await passes(limitMs))) {
    const reason = shutdownReason(input.signal, limitMs);
    abortedJobs = total(draining, s => s.jobs?.abortRunning(reason) ?? 0);
    logger.warn(
      { abortedJobs, shutdownTimeoutMs: limitMs },
      'shutdown timeout passed: aborting running jobs',
    );
    if (await passes(abortGraceMs)) {
      const stillRunning = total(draining, s => s.jobs?.runningJobs() ?? 0);
      logger.error({ stillRunning, abortGraceMs }, 'aborted jobs did not end in time');
      return { runningJobs, abortedJobs, overran: true };
    }
  }
  await closed;
  logger.info({ runningJobs, abortedJobs }, 'running jobs drained');
  return { runningJobs, abortedJobs, overran: false };
}
