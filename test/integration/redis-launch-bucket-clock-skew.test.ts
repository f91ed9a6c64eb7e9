// The account launch bucket in Redis keeps time by the Redis server's clock. With the callers'
// clocks, one scaler process whose clock ran an hour ahead (or stepped back after an NTP
// correction) wrote a future time that no correct clock reached: every later take refilled
// nothing, each rewrote the key's expiry, and creation stopped for as long as the skew.
import { randomBytes } from 'node:crypto';

import { RedisLaunchBucket } from '@taskfleet/scaler';
import { Redis } from 'ioredis';

const hourMs = 3_600_000;

describe('RedisLaunchBucket across scaler processes whose clocks disagree', () => {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
  const keyPrefix = `test-launch-skew-${process.pid}-${randomBytes(4).toString('hex')}`;
  const made: RedisLaunchBucket[] = [];
  // 1000 a second: the server clock refills a token within a few milliseconds of real time.
  const bucket = (timeSource?: 'caller'): RedisLaunchBucket => {
    const created = new RedisLaunchBucket({
      redis,
      keyPrefix,
      accountKey: `acct-skew-${timeSource ?? 'redis'}`,
      limitPerSecond: 1_000,
      burst: 2,
      ...(timeSource === undefined ? {} : { timeSource }),
    });
    made.push(created);
    return created;
  };

  afterAll(async () => {
    await redis.del(...new Set(made.map(b => b.redisKey)));
    await redis.quit();
  });

  // Takes one token as the correct process, as often as it can for up to 2 s of real time.
  async function takesWithin2s(correct: RedisLaunchBucket, nowMs: number): Promise<number> {
    const untilMs = Date.now() + 2_000;
    let granted = 0;
    while (granted === 0 && Date.now() < untilMs) {
      granted = await correct.take(1, nowMs);
    }
    return granted;
  }

  it('refills for a correct clock after a process one hour ahead drew the bucket empty', async () => {
    const nowMs = Date.now();
    const ahead = bucket();
    const correct = bucket();
    expect(await ahead.take(2, nowMs + hourMs)).toBe(2);
    expect(await takesWithin2s(correct, nowMs)).toBe(1);
  });

  it('with the callers clocks (a test clock), the same draw stalls the correct one', async () => {
    const nowMs = Date.now();
    const ahead = bucket('caller');
    const correct = bucket('caller');
    expect(await ahead.take(2, nowMs + hourMs)).toBe(2);
    // Its clock is an hour behind the stored time: nothing refills until it gets there.
    expect(await correct.take(1, nowMs + 10 * 60_000)).toBe(0);
  });
});
