import { LocalLaunchBucket, RoundRobinCreationBudget } from './creation-budget';

const budget = (nowMs = 0) =>
  new RoundRobinCreationBudget({
    poolKeys: ['a', 'b', 'c'],
    bucket: new LocalLaunchBucket(1, 6, nowMs),
    nowMs,
    wantTtlMs: 10_000,
  });

describe('RoundRobinCreationBudget', () => {
  it('at a cold start the first pool to ask gets only its turn of the burst', async () => {
    const shared = budget();
    expect(await shared.grant('a', 6, 0)).toBe(2);
    expect(await shared.grant('b', 6, 0)).toBe(2);
    expect(await shared.grant('c', 6, 0)).toBeGreaterThanOrEqual(1);
  });

  it('hands the refill round-robin: a token goes to the pool whose turn it is', async () => {
    const shared = budget();
    await shared.grant('a', 6, 0);
    await shared.grant('b', 6, 0);
    await shared.grant('c', 6, 0);
    const got: Record<string, number> = { a: 0, b: 0, c: 0 };
    // Every pool asks every 500 ms in the same order; the bucket refills 1 a second.
    for (let t = 500; t <= 12_000; t += 500) {
      for (const key of ['a', 'b', 'c']) {
        got[key] = (got[key] ?? 0) + (await shared.grant(key, 6, t));
      }
    }
    const spread = Math.max(...Object.values(got)) - Math.min(...Object.values(got));
    expect(spread).toBeLessThanOrEqual(1);
  });

  it('a pool that wants nothing, or stopped asking, holds no turn', async () => {
    const shared = budget();
    expect(await shared.grant('a', 0, 0)).toBe(0);
    expect(await shared.grant('b', 6, 0)).toBe(3);
    // c never asked; after the want lifetime it is no longer counted.
    expect(await shared.grant('b', 6, 20_000)).toBe(6);
  });

  it('never grants more than the bucket holds, nor more than asked', async () => {
    const shared = budget();
    expect(await shared.grant('a', 1, 0)).toBe(1);
    let total = 1;
    for (let t = 0; t <= 3_000; t += 100) {
      for (const key of ['a', 'b', 'c']) {
        total += await shared.grant(key, 6, t);
      }
    }
    expect(total).toBeLessThanOrEqual(6 + 3);
  });

  it('refuses an unknown pool and duplicate keys', async () => {
    await expect(budget().grant('z', 1, 0)).rejects.toThrow(/unknown pool z/);
    expect(
      () =>
        new RoundRobinCreationBudget({
          poolKeys: ['a', 'a'],
          bucket: new LocalLaunchBucket(1, 1, 0),
          nowMs: 0,
          wantTtlMs: 1,
        }),
    ).toThrow(/must differ/);
  });
});
