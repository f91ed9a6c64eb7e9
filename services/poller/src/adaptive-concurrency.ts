import { isRetryableStatus } from '@taskfleet/gitlab';
import type { RequestJobResult } from '@taskfleet/gitlab';

/**
 * What one finished job request says about demand: a job came (`job`), none came or the poll
 * failed (`empty`), or GitLab pushed back with 429/5xx, retried or final (`throttled`).
 */
export type RequestSignal = 'job' | 'empty' | 'throttled';

/**
 * GitLab Runner's factors (`FF_USE_ADAPTIVE_REQUEST_CONCURRENCY`): grow 10 % per job, shrink
 * 5 % per empty or failed poll, halve when GitLab had to be asked again.
 */
export const adaptiveFactors: Readonly<Record<RequestSignal, number>> = Object.freeze({
  job: 1.1,
  empty: 0.95,
  throttled: 0.5,
});

/** Where the adaptive limit starts, as in GitLab Runner: one request until jobs come. */
export const initialAdaptiveLimit = 1;

/** The adaptive limit after one request ended: scaled by its signal, kept within [1, max]. */
export function nextAdaptiveLimit(
  limit: number,
  signal: RequestSignal,
  maxConcurrency: number,
): number {
  return clampLimit(limit * adaptiveFactors[signal], maxConcurrency);
}

/**
 * How many job requests may be in flight: `request_concurrency` when adaptive is off, else the
 * adaptive limit rounded up, within [1, `request_concurrency`].
 */
export function allowedRequests(limit: number, maxConcurrency: number, adaptive: boolean): number {
  const max = Math.max(1, Math.floor(maxConcurrency));
  return adaptive ? Math.min(max, Math.max(1, Math.ceil(limit))) : max;
}

/**
 * Reads a job request's answer as a signal. A request that needed a retry counts as throttled
 * even when its last answer brought a job: GitLab was short of breath, which is no reason to ask
 * more often. An undecodable job counts as empty, since no job was received.
 */
export function requestSignal(result: RequestJobResult): RequestSignal {
  if (result.attempts > 1) {
    return 'throttled';
  }
  if (result.kind === 'job') {
    return 'job';
  }
  if (
    result.kind === 'error' &&
    result.error.status !== undefined &&
    isRetryableStatus(result.error.status)
  ) {
    return 'throttled';
  }
  return 'empty';
}

function clampLimit(limit: number, maxConcurrency: number): number {
  return Math.min(Math.max(1, maxConcurrency), Math.max(1, limit));
}
