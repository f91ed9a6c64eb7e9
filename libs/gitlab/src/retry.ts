/** How the client retries one HTTP request (GitLab Runner's `retry_requester.go` rules). */
export interface RetryPolicy {
  /** Attempts in total, the first included; the last answer is returned as it is. */
  readonly maxAttempts: number;
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly backoffFactor: number;
  /** Spread waits randomly between the minimum and the exponential value. */
  readonly jitter: boolean;
  /** The longest wait a `Retry-After` or `RateLimit-ResetTime` header may ask for. */
  readonly maxHeaderWaitMs: number;
}

/** GitLab Runner's defaults: 5 attempts, back-off 100 ms doubling up to 60 s with jitter. */
export const defaultRetryPolicy: RetryPolicy = Object.freeze({
  maxAttempts: 5,
  minBackoffMs: 100,
  maxBackoffMs: 60_000,
  backoffFactor: 2,
  jitter: true,
  // Runner itself sets no cap; ours stays under its 10 min response-header timeout.
  maxHeaderWaitMs: 10 * 60_000,
});

/** Whether GitLab Runner retries a response with this status: 408, 429, 500, 502-504, ≥512. */
export function isRetryableStatus(status: number): boolean {
  return [408, 429, 500, 502, 503, 504].includes(status) || status >= 512;
}

/** The exponential back-off before retry number `retry` (1 = the first retry). */
export function backoffMs(
  policy: Pick<RetryPolicy, 'minBackoffMs' | 'maxBackoffMs' | 'backoffFactor' | 'jitter'>,
  retry: number,
  random: () => number,
): number {
  const exponential = policy.minBackoffMs * policy.backoffFactor ** Math.max(0, retry - 1);
  const capped = Math.min(policy.maxBackoffMs, exponential);
  if (!policy.jitter) {
    return capped;
  }
  return Math.round(policy.minBackoffMs + random() * (capped - policy.minBackoffMs));
}

/** Reads a header by name from a fetch `Headers` or a plain lower-case record. */
export type HeaderLookup = (name: string) => string | null;

/**
 * How long to wait before retrying a retryable response, first match winning:
 * `RateLimit-ResetTime` (HTTP date), `Retry-After` (integer seconds only), then back-off.
 */
export function retryDelayMs(input: {
  readonly header: HeaderLookup;
  readonly retry: number;
  readonly nowMs: number;
  readonly policy: RetryPolicy;
  readonly random: () => number;
}): number {
  const { header, policy } = input;
  const resetTime = header('ratelimit-resettime');
  if (resetTime !== null) {
    const resetAtMs = Date.parse(resetTime);
    if (Number.isFinite(resetAtMs)) {
      return clamp(resetAtMs - input.nowMs, policy.maxHeaderWaitMs);
    }
  }
  const retryAfter = header('retry-after')?.trim();
  // GitLab Runner reads only the delta-seconds form; an HTTP date falls through to back-off.
  if (retryAfter !== undefined && /^\d+$/.test(retryAfter)) {
    return clamp(Number(retryAfter) * 1000, policy.maxHeaderWaitMs);
  }
  return backoffMs(policy, input.retry, input.random);
}

function clamp(ms: number, maxMs: number): number {
  return Math.min(Math.max(0, ms), maxMs);
}
