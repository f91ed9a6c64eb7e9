// The account launch bucket in Redis (B13 across processes): the token arithmetic of the
// in-process bucket, one state for every caller, and a key that lapses when it would be full.
import { randomBytes } from 'node:crypto';

import { LocalLaunchBucket, RedisLaunchBucket } from '@taskfleet/scaler';
import { Redis } from 'ioredis';

describe('RedisLaunchBucket', () => {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
  const keyPrefix = `test-launch-${process.pid}-${randomBytes(4).toString('hex')}`;
  let made: RedisLaunchBucket[] = [];
  const bucket = (accountKey: string, limitPerSecond = 2, burst = 10): RedisLaunchBucket => {
    const created = new RedisLaunchBucket({
      redis,
      keyPrefix,
      accountKey,
      limitPerSecond,
      burst,
      timeSource: 'caller',
    });
    made.push(created);
    return created;
  };

  afterEach(async () => {
    const keys = made.map(b => b.redisKey);
    made = [];
    if (keys.length > 0) {
      await redis.del(...keys);
    }
  });

  afterAll(async () => {
    await redis.quit();
  });

  it('starts full, grants what is there, and refills at the rate up to the burst', async () => {
    const shared = bucket('acct-1');
    expect(await shared.available(1_000)).toBe(10);
    expect(await shared.take(4, 1_000)).toBe(4);
    expect(await shared.take(20, 1_000)).toBe(6);
    expect(await shared.take(1, 1_000)).toBe(0);
    // 2 a second: 1.5 s later three whole tokens, and half of one more.
    expect(await shared.available(2_500)).toBeCloseTo(3, 6);
    expect(await shared.take(5, 2_750)).toBe(3);
    expect(await shared.available(600_000)).toBe(10);
  });

  it('gives the same answers as the in-process bucket for one caller', async () => {
    const shared = bucket('acct-2', 1, 6);
    const local = new LocalLaunchBucket(1, 6, 0);
    for (const [n, atMs] of [
      [3, 0],
      [5, 400],
      [2, 2_100],
      [9, 2_900],
      [1, 9_000],
    ] as const) {
      expect(await shared.take(n, atMs)).toBe(await local.take(n, atMs));
    }
  });

  it('is one state for every process of the deployment, per account', async () => {
    const first = bucket('acct-3', 1, 5);
    const second = bucket('acct-3', 1, 5);
    const otherAccount = bucket('acct-4', 1, 5);
    expect(await first.take(3, 0)).toBe(3);
    expect(await second.take(3, 0)).toBe(2);
    expect(await otherAccount.take(5, 0)).toBe(5);
  });

  it('refills nothing for a caller whose clock is behind the last take', async () => {
    const shared = bucket('acct-5', 1, 5);
    expect(await shared.take(5, 10_000)).toBe(5);
    expect(await shared.take(1, 4_000)).toBe(0);
    expect(await shared.take(1, 11_000)).toBe(1);
  });

  it('lets the key lapse soon after the bucket would be full again', async () => {
    const shared = bucket('acct-6', 2, 10);
    await shared.take(10, 0);
    const ttlMs = await redis.pttl(shared.redisKey);
    // Empty at 2 a second: full after 5 s, plus a minute of margin.
    expect(ttlMs).toBeGreaterThan(60_000);
    expect(ttlMs).toBeLessThanOrEqual(65_000);
  });

  it('refuses a rate of zero or a burst under one', () => {
    expect(() => bucket('acct-7', 0, 5)).toThrow(/rate must be above 0/);
    expect(() => bucket('acct-7', 1, 0)).toThrow(/burst at least 1/);
  });
});
