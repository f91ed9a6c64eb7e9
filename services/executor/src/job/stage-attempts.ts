import type { Clock } from '@taskfleet/gitlab';

import { formatGoDuration } from './timeouts';

const minRetryWaitMs = 5_000;
const maxRetryWaitMs = 5 * 60_000;
const retryWaitFactor = 1.5;

/**
 * GitLab Runner's error for a stage whose attempts setting lies outside 1–10: the job fails as a
 * system failure when that stage comes, before it runs; undefined when the count is usable.
 */
export function attemptsRangeError(stage: string, attempts: number): string | undefined {
  return attempts >= 1 && attempts <= 10
    ? undefined
    : `number of attempts out of the range [1, 10] for stage: ${stage}`;
}

/**
 * The wait before retry number `retry` (0 for the first): 5 s growing by 1.5 up to 5 min, each
 * drawn between 5 s and that bound, as GitLab Runner's jittered backoff draws it.
 */
export function stageRetryWaitMs(retry: number, random: () => number = Math.random): number {
  const bound = Math.min(maxRetryWaitMs, minRetryWaitMs * retryWaitFactor ** retry);
  return Math.round(minRetryWaitMs + random() * (bound - minRetryWaitMs));
}

/** How one stage is tried again. */
export interface StageAttemptsOptions<End> {
  readonly attempts: number;
  /** Runs the stage once; `attempt` counts from 1. */
  readonly run: (attempt: number) => Promise<End>;
  /** Whether this end is worth another attempt (a failure, not a cancel or a lost instance). */
  readonly retryable: (end: End) => boolean;
  /** `FF_USE_EXPONENTIAL_BACKOFF_STAGE_RETRY`: wait between attempts; otherwise retry at once. */
  readonly backoff: boolean;
  readonly clock: Pick<Clock, 'sleep'>;
  readonly write: (text: string) => Promise<void>;
  readonly random?: () => number;
  /** Ends a wait early (the job was canceled or aborted); the next try then sees the signal. */
  readonly signal?: AbortSignal;
}

/**
 * Runs a stage up to `attempts` times, until it ends in a way not worth retrying; with backoff
 * it prints GitLab Runner's `Retrying in <duration>` line and waits that long between tries.
 */
export async function runStageAttempts<End>(options: StageAttemptsOptions<End>): Promise<End> {
  let end = await options.run(1);
  for (let attempt = 2; attempt <= options.attempts && options.retryable(end); attempt++) {
    if (options.backoff) {
      const waitMs = stageRetryWaitMs(attempt - 2, options.random);
      await options.write(`Retrying in ${formatGoDuration(waitMs)}\n`);
      await options.clock.sleep(waitMs, options.signal);
    }
    end = await options.run(attempt);
  }
  return end;
}
