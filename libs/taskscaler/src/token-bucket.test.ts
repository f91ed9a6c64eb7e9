import { TokenBucket } from './token-bucket';

type Step = [takeN: number, atMs: number, granted: number];

describe('TokenBucket', () => {
  it.each<[string, number | null, number | null, Step[]]>([
    // The documented example: limit 1, burst 60 → 60 at once, then 1 per second.
    [
      'limit 1 burst 60',
      1,
      60,
      [
        [100, 0, 60],
        [5, 999, 0],
        [5, 1000, 1],
        [5, 3500, 2],
        [5, 3999, 0],
      ],
    ],
    [
      'refill stops at burst',
      1,
      3,
      [
        [3, 0, 3],
        [10, 60_000, 3],
      ],
    ],
    [
      'limit 10 burst 5',
      10,
      5,
      [
        [2, 0, 2],
        [4, 0, 3],
        [1, 99, 0],
        [1, 100, 1],
        [9, 1000, 5],
      ],
    ],
    [
      'fractional limit 0.5/s',
      0.5,
      1,
      [
        [1, 0, 1],
        [1, 1999, 0],
        [1, 2000, 1],
      ],
    ],
    ['burst defaults to the limit', 4, null, [[10, 0, 4]]],
    [
      'unlimited',
      null,
      null,
      [
        [1000, 0, 1000],
        [1000, 0, 1000],
      ],
    ],
    [
      'a clock stepping back refills nothing',
      1,
      2,
      [
        [2, 10_000, 2],
        [1, 5_000, 0],
        [1, 11_000, 1],
      ],
    ],
    [
      'zero and negative asks grant nothing',
      1,
      2,
      [
        [0, 0, 0],
        [-3, 0, 0],
        [2, 0, 2],
      ],
    ],
  ])('%s', (_label, limit, burst, steps) => {
    let bucket = TokenBucket.create(limit, burst, 0);
    for (const [takeN, atMs, granted] of steps) {
      const result = bucket.take(takeN, atMs);
      expect([takeN, atMs, result.granted]).toEqual([takeN, atMs, granted]);
      bucket = result.bucket;
    }
  });

  it('is a value: taking leaves the old bucket as it was', () => {
    const full = TokenBucket.create(1, 2, 0);
    const { bucket } = full.take(2, 0);
    expect(full.take(2, 0).granted).toBe(2);
    expect(bucket.take(2, 0).granted).toBe(0);
  });

  it('survives a round trip through its state as JSON', () => {
    const { bucket } = TokenBucket.create(2, 10, 0).take(7, 0);
    const restored = TokenBucket.fromState(JSON.parse(JSON.stringify(bucket.state)));
    expect(restored.state).toEqual({ limitPerSecond: 2, burst: 10, tokens: 3, updatedAtMs: 0 });
    expect(restored.take(10, 1000).granted).toBe(5);
  });

  it('tells how long until the next token', () => {
    const { bucket } = TokenBucket.create(4, 1, 0).take(1, 0);
    expect(bucket.msUntilToken(0)).toBe(250);
    expect(bucket.msUntilToken(100)).toBe(150);
    expect(bucket.msUntilToken(250)).toBe(0);
  });

  it.each([0, -1, NaN])('rejects limit %p (config maps 0 to 100 and -1 to null)', limit => {
    expect(() => TokenBucket.create(limit, 1, 0)).toThrow(
      expect.objectContaining({ code: 'invalid_setting' }),
    );
  });
});
