import { TaskscalerError } from './errors';

/** A token bucket's state as plain data, so the scaler can persist it and restore it. */
export interface TokenBucketState {
  /** Tokens refilled per second; `null` for unlimited. */
  readonly limitPerSecond: number | null;
  /** Bucket size; ignored when unlimited. */
  readonly burst: number;
  /** Tokens left at {@link updatedAtMs}, possibly fractional. */
  readonly tokens: number;
  /** When {@link tokens} was last brought up to date. */
  readonly updatedAtMs: number;
}

/** The answer of {@link TokenBucket.take}: how many were granted, and the bucket after. */
export interface TakeResult {
  /** Whole tokens granted, 0..n. */
  readonly granted: number;
  /** The bucket after the take. */
  readonly bucket: TokenBucket;
}

/**
 * The `scale_throttle` token bucket as an immutable value (reference/autoscaler.md §2.4): it
 * starts full, refills at `limit` per second up to `burst`, and never waits or sets timers.
 */
export class TokenBucket {
  /** The state; persist it and rebuild with {@link TokenBucket.fromState}. */
  readonly state: TokenBucketState;

  private constructor(state: TokenBucketState) {
    this.state = Object.freeze({ ...state });
  }

  /** A full bucket; `limitPerSecond` `null` is unlimited, `burst` `null` takes the limit. */
  static create(limitPerSecond: number | null, burst: number | null, nowMs: number): TokenBucket {
    if (limitPerSecond !== null && !(limitPerSecond > 0)) {
      throw new TaskscalerError(
        'invalid_setting',
        `scale throttle limit must be positive, got ${limitPerSecond}`,
      );
    }
    // A bucket smaller than one token would never grant anything.
    const size = Math.max(1, burst ?? Math.ceil(limitPerSecond ?? 1));
    return new TokenBucket({ limitPerSecond, burst: size, tokens: size, updatedAtMs: nowMs });
  }

  /** Rebuilds a bucket from persisted {@link TokenBucketState}. */
  static fromState(state: TokenBucketState): TokenBucket {
    return new TokenBucket(state);
  }

  /** The tokens available at `nowMs`, possibly fractional. */
  available(nowMs: number): number {
    const { limitPerSecond, burst, tokens, updatedAtMs } = this.state;
    if (limitPerSecond === null) {
      return Infinity;
    }
    // A clock that steps back refills nothing rather than taking tokens away.
    const elapsedMs = Math.max(0, nowMs - updatedAtMs);
    return Math.min(burst, tokens + (elapsedMs * limitPerSecond) / 1000);
  }

  /** Takes up to `n` whole tokens at `nowMs`; grants what is there now, never a debt. */
  take(n: number, nowMs: number): TakeResult {
    const wanted = Math.max(0, Math.floor(n));
    if (this.state.limitPerSecond === null) {
      return { granted: wanted, bucket: this };
    }
    const tokens = this.available(nowMs);
    const granted = Math.min(wanted, Math.floor(tokens + 1e-9));
    const updatedAtMs = Math.max(nowMs, this.state.updatedAtMs);
    return {
      granted,
      bucket: new TokenBucket({
        ...this.state,
        tokens: Math.max(0, tokens - granted),
        updatedAtMs,
      }),
    };
  }

  /** Milliseconds from `nowMs` until one whole token is available (0 if one is). */
  msUntilToken(nowMs: number): number {
    const { limitPerSecond } = this.state;
    const tokens = this.available(nowMs);
    if (limitPerSecond === null || tokens >= 1 - 1e-9) {
      return 0;
    }
    return Math.ceil(((1 - tokens) * 1000) / limitPerSecond);
  }
}
