/** Exponential back-off settings of one retry loop. */
export interface BackoffPolicy {
  readonly minMs: number;
  readonly maxMs: number;
}

/** Poller defaults: 1 s doubling to 60 s, as GitLab Runner's request back-off tops out. */
export const defaultBackoff: BackoffPolicy = Object.freeze({ minMs: 1000, maxMs: 60_000 });

/** The wait before retry number `failures` (1 = first retry), with equal jitter. */
export function backoffDelayMs(
  policy: BackoffPolicy,
  failures: number,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(policy.maxMs, policy.minMs * 2 ** Math.max(0, failures - 1));
  // Half fixed, half random: spreads pollers that failed together without ever waiting ~0.
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}
