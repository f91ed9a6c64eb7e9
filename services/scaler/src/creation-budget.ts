import { TokenBucket } from '@taskfleet/taskscaler';

import { ScalerError } from './errors';

/** A creation budget several pools share; each pool's scaler asks it before asking the cloud. */
export interface CreationBudget {
  /** Creations `poolKey` may ask for now, at most `wanted`; records what the pool wants. */
  grant(poolKey: string, wanted: number, nowMs: number): Promise<number>;
}

/** Where an account's launch tokens are kept: in this process, or in Redis for every process. */
export interface LaunchBucket {
  /** Whole or fractional tokens there at `nowMs`. */
  available(nowMs: number): Promise<number>;
  /** Takes up to `n` whole tokens at `nowMs` and returns how many it took; never a debt. */
  take(n: number, nowMs: number): Promise<number>;
}

/** A launch bucket held by this process alone. */
export class LocalLaunchBucket implements LaunchBucket {
  private bucket: TokenBucket;

  /** A full bucket of `burst` refilled at `limitPerSecond` (`null`: unlimited). */
  constructor(limitPerSecond: number | null, burst: number, nowMs: number) {
    this.bucket = TokenBucket.create(limitPerSecond, burst, nowMs);
  }

  available(nowMs: number): Promise<number> {
    return Promise.resolve(this.bucket.available(nowMs));
  }

  take(n: number, nowMs: number): Promise<number> {
    const take = this.bucket.take(n, nowMs);
    this.bucket = take.bucket;
    return Promise.resolve(take.granted);
  }
}

/** Options of {@link RoundRobinCreationBudget}. */
export interface RoundRobinCreationBudgetOptions {
  /** Every pool that shares the budget, in turn order. */
  readonly poolKeys: readonly string[];
  /** The account's launch tokens; several processes share them when the bucket is in Redis. */
  readonly bucket: LaunchBucket;
  readonly nowMs: number;
  /**
   * How long a pool's last ask counts as wanting (a pool that has not asked yet counts as
   * wanting for this long from the start), so a pool that stopped asking never holds a turn.
   */
  readonly wantTtlMs: number;
}

interface Want {
  count: number;
  atMs: number;
}

/**
 * The account-wide creation budget of the pools of one process (B13): one token bucket, dealt
 * one token at a time round-robin over the pools that want instances, starting from the pool
 * whose turn it is, so no pool is starved when the bucket is short. taskscaler's own
 * `scale_throttle` stays per pool and is applied first. With the bucket in Redis, the processes
 * of one account draw from it first come first served; the turns are per process.
 */
export class RoundRobinCreationBudget implements CreationBudget {
  private readonly bucket: LaunchBucket;
  private readonly order: readonly string[];
  private readonly wants = new Map<string, Want>();
  private readonly wantTtlMs: number;
  private readonly startedAtMs: number;
  private cursor = 0;

  constructor(options: RoundRobinCreationBudgetOptions) {
    if (new Set(options.poolKeys).size !== options.poolKeys.length) {
      throw new ScalerError('invalid_option', 'could not create budget: pool keys must differ');
    }
    this.order = [...options.poolKeys];
    this.bucket = options.bucket;
    this.wantTtlMs = options.wantTtlMs;
    this.startedAtMs = options.nowMs;
  }

  async grant(poolKey: string, wanted: number, nowMs: number): Promise<number> {
    const index = this.order.indexOf(poolKey);
    if (index < 0) {
      throw new ScalerError('invalid_option', `could not grant creations: unknown pool ${poolKey}`);
    }
    const asked = Math.max(0, Math.floor(wanted));
    this.wants.set(poolKey, { count: asked, atMs: nowMs });
    const tokens = Math.floor((await this.bucket.available(nowMs)) + 1e-9);
    const share = Math.min(asked, this.dealtTo(index, tokens, nowMs));
    if (share === 0) {
      return 0;
    }
    // Another process may have drawn in between: the take grants only what is left.
    const granted = await this.bucket.take(share, nowMs);
    this.wants.set(poolKey, { count: asked - granted, atMs: nowMs });
    // The next pool has the turn: a pool that just got instances goes to the back.
    this.cursor = (index + 1) % this.order.length;
    return granted;
  }

  /** What dealing `tokens` one at a time from the cursor over the wanting pools gives `index`. */
  private dealtTo(index: number, tokens: number, nowMs: number): number {
    if (tokens === Infinity) {
      return Infinity;
    }
    const left = this.order.map(key => this.wantOf(key, nowMs));
    const dealt = this.order.map(() => 0);
    let remaining = tokens;
    while (remaining > 0 && left.some(n => n > 0)) {
      for (let step = 0; step < this.order.length && remaining > 0; step += 1) {
        const at = (this.cursor + step) % this.order.length;
        if ((left[at] ?? 0) > 0) {
          left[at] = (left[at] ?? 0) - 1;
          dealt[at] = (dealt[at] ?? 0) + 1;
          remaining -= 1;
        }
      }
    }
    return dealt[index] ?? 0;
  }

  private wantOf(key: string, nowMs: number): number {
    const want = this.wants.get(key);
    if (want === undefined) {
      // Not asked yet: it is starting up and gets its turn, for a while.
      return nowMs - this.startedAtMs < this.wantTtlMs ? Infinity : 0;
    }
    return nowMs - want.atMs < this.wantTtlMs ? want.count : 0;
  }
}
