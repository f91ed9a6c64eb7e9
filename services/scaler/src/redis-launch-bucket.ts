import { createHash } from 'node:crypto';

import type { Cluster, Redis } from 'ioredis';

import type { LaunchBucket } from './creation-budget';
import { ScalerError } from './errors';

// The TokenBucket arithmetic of @taskfleet/taskscaler, done where every process sees one state.
// Time is the Redis server's clock, one for every process, unless the caller passes its own (a
// test's manual clock). A time behind the stored one refills nothing (never takes).
const TAKE_TOKENS = `
local limit = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local wanted = tonumber(ARGV[4])
if now == nil then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
local elapsed = now - at
if elapsed < 0 then elapsed = 0 end
tokens = math.min(burst, tokens + elapsed * limit / 1000)
local granted = math.floor(tokens + 1e-9)
if wanted < granted then granted = wanted end
if granted < 0 then granted = 0 end
tokens = tokens - granted
if now > at then at = now end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
-- Once the bucket would be full again the state says nothing a new one would not.
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * 1000 / limit) + 60000)
return {granted, tostring(tokens)}
`;

/** Options of {@link RedisLaunchBucket}. */
export interface RedisLaunchBucketOptions {
  readonly redis: Redis | Cluster;
  /** `[taskfleet] key_prefix`: the scaler processes of one deployment share it. */
  readonly keyPrefix: string;
  /** Names the AWS account and Region; any string, hashed into the key name. */
  readonly accountKey: string;
  readonly limitPerSecond: number;
  readonly burst: number;
  /**
   * Whose clock refills the bucket: the Redis server's, so processes whose clocks disagree share
   * one time line, or the `nowMs` each caller passes (tests on a manual clock).
   * @defaultValue `'redis'`
   */
  readonly timeSource?: 'redis' | 'caller';
}

/**
 * The account's launch budget kept in one Redis hash, so the pools of one account led from
 * different scaler processes draw from one bucket instead of each holding a whole one (B13).
 * It keeps time by the Redis server's clock: with the callers' clocks, one process whose clock
 * ran ahead would leave a stored time no correct clock reaches, and creation would stop.
 */
export class RedisLaunchBucket implements LaunchBucket {
  private readonly key: string;

  constructor(private readonly options: RedisLaunchBucketOptions) {
    if (!(options.limitPerSecond > 0) || !(options.burst >= 1)) {
      throw new ScalerError(
        'invalid_option',
        'could not create launch bucket: rate must be above 0 and burst at least 1',
      );
    }
    const account = createHash('sha256').update(options.accountKey).digest('hex').slice(0, 16);
    // One key with its own hash tag: a single slot, so Redis Cluster serves it like the rest.
    this.key = `{tf:${options.keyPrefix}:launch-budget:${account}}`;
  }

  /** The Redis key of the bucket; tests and operators read it. */
  get redisKey(): string {
    return this.key;
  }

  async available(nowMs: number): Promise<number> {
    return (await this.run(0, nowMs)).tokens;
  }

  async take(n: number, nowMs: number): Promise<number> {
    return (await this.run(Math.max(0, Math.floor(n)), nowMs)).granted;
  }

  private async run(wanted: number, nowMs: number): Promise<{ granted: number; tokens: number }> {
    const { redis, limitPerSecond, burst, timeSource = 'redis' } = this.options;
    try {
      const [granted, tokens] = (await redis.eval(
        TAKE_TOKENS,
        1,
        this.key,
        String(limitPerSecond),
        String(burst),
        timeSource === 'caller' ? String(Math.floor(nowMs)) : '',
        String(wanted),
      )) as [number, string];
      return { granted, tokens: Number(tokens) };
    } catch (cause) {
      throw new ScalerError('redis_unavailable', 'could not use the account launch budget', {
        cause,
      });
    }
  }
}
