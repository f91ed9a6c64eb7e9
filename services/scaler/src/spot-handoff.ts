import type { InterruptionNotice } from '@taskfleet/fleeting';
import type { Cluster, Redis } from 'ioredis';

/** Default time a handed warning waits for its pool: past the two minutes to the reclaim. */
export const DEFAULT_HANDOFF_TTL_MS = 10 * 60_000;

/**
 * Where an interruption watch leaves a warning for an instance none of its pools knows, for the
 * pool (in this process or another) that does. Taking is two steps so nothing is lost when the
 * taker fails in between: `pending` reads, `done` removes once handled.
 */
export interface SpotHandoff {
  /** Leaves the notice for whichever pool knows its instance. */
  hand(notice: InterruptionNotice): Promise<void>;
  /** The notices waiting for any of these instances. */
  pending(instanceIds: readonly string[]): Promise<readonly InterruptionNotice[]>;
  /** Removes a notice once handled; returns false when another caller removed it first. */
  done(instanceId: string): Promise<boolean>;
}

/** Options of {@link RedisSpotHandoff}. */
export interface RedisSpotHandoffOptions {
  readonly redis: Redis | Cluster;
  /** `[taskfleet] key_prefix`: processes of one deployment share it, and so their warnings. */
  readonly keyPrefix: string;
  readonly clock?: () => number;
  /** How long a handed warning waits for its pool. Default 10 min. */
  readonly ttlMs?: number;
}

interface Handed {
  readonly notice: InterruptionNotice;
  readonly handedAtMs: number;
}

function parse(raw: string): Handed | undefined {
  try {
    const value = JSON.parse(raw) as Partial<Handed>;
    const notice = value.notice;
    return typeof value.handedAtMs === 'number' && typeof notice?.instanceId === 'string'
      ? { notice, handedAtMs: value.handedAtMs }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Spot warnings handed between the taskfleet processes (and pools) that read one interruption
 * queue, kept in one Redis hash: instance id → notice. Why Redis and not the queue itself: a
 * message left there (a visibility change) goes back to any reader, maybe the same one again
 * and again, so the pool that must act may not see it within the two minutes, and a warning
 * nobody knows would circle until the queue's retention. Here each pool reads the hash when it
 * ticks over its members (one HGETALL, empty almost always), so the warning reaches the pool
 * that knows the instance at its next tick, also a pool that learns of the instance later; it
 * acts once, since the instance is in one registry only and the spot reason is set once; and
 * what no pool claims lapses after the TTL.
 */
export class RedisSpotHandoff implements SpotHandoff {
  private readonly key: string;
  private readonly clock: () => number;
  private readonly ttlMs: number;

  constructor(private readonly options: RedisSpotHandoffOptions) {
    // One key with its own hash tag: a single slot, so Redis Cluster serves it like the rest.
    this.key = `{tf:${options.keyPrefix}:spot-handoff}`;
    this.clock = options.clock ?? Date.now;
    this.ttlMs = options.ttlMs ?? DEFAULT_HANDOFF_TTL_MS;
  }

  async hand(notice: InterruptionNotice): Promise<void> {
    const handed: Handed = { notice, handedAtMs: this.clock() };
    await this.options.redis
      .multi()
      .hset(this.key, notice.instanceId, JSON.stringify(handed))
      // The whole hash lapses with the newest warning, if no pool ever reads it.
      .pexpire(this.key, this.ttlMs)
      .exec();
  }

  async pending(instanceIds: readonly string[]): Promise<readonly InterruptionNotice[]> {
    const all = await this.options.redis.hgetall(this.key);
    const entries = Object.entries(all);
    if (entries.length === 0) {
      return [];
    }
    const oldestMs = this.clock() - this.ttlMs;
    const expired = entries
      .filter(([, raw]) => (parse(raw)?.handedAtMs ?? -Infinity) < oldestMs)
      .map(([id]) => id);
    if (expired.length > 0) {
      await this.options.redis.hdel(this.key, ...expired);
    }
    const wanted = new Set(instanceIds);
    return entries.flatMap(([id, raw]) => {
      const handed = parse(raw);
      return wanted.has(id) && handed !== undefined && handed.handedAtMs >= oldestMs
        ? [handed.notice]
        : [];
    });
  }

  async done(instanceId: string): Promise<boolean> {
    return (await this.options.redis.hdel(this.key, instanceId)) === 1;
  }
}
