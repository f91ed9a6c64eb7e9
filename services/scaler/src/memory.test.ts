import { TokenBucket } from '@taskfleet/taskscaler';

import { decodeMemory, encodeMemory } from './memory';

const throttle = { limitPerSecond: 1, burst: 5 };

describe('scaler memory encoding', () => {
  it('round-trips pending creations, the bucket and the last scale times', () => {
    const bucket = TokenBucket.create(1, 5, 1_000).take(4, 1_000).bucket;
    const memory = {
      pendingCreationsAtMs: [900, 1_000],
      bucket,
      lastScaleOutAtMs: 1_000,
      lastScaleInAtMs: 500,
      expectedDesiredCapacity: 3,
      bootOutcomes: 'rrf',
      creationBackoff: { consecutiveBootFailures: 3, untilMs: 9_000 },
    };
    const decoded = decodeMemory(encodeMemory(memory), throttle, 2_000);
    expect(decoded.pendingCreationsAtMs).toEqual([900, 1_000]);
    expect(decoded.bucket.state).toEqual(bucket.state);
    // One token spent is still spent after a restart: 1 left + 1 s of refill.
    expect(decoded.bucket.available(2_000)).toBeCloseTo(2);
    expect(decoded).toMatchObject({
      lastScaleOutAtMs: 1_000,
      lastScaleInAtMs: 500,
      expectedDesiredCapacity: 3,
      bootOutcomes: 'rrf',
      creationBackoff: { consecutiveBootFailures: 3, untilMs: 9_000 },
    });
  });

  it('starts fresh from nothing stored or from malformed fields', () => {
    const cases: Record<string, string>[] = [
      {},
      {
        pendingCreationsAtMs: '{not json',
        bucket: '[]',
        lastScaleOutAtMs: 'x',
        bootOutcomes: 'r?',
        consecutiveBootFailures: '-2',
        creationBackoffUntilMs: '5',
      },
    ];
    for (const fields of cases) {
      const decoded = decodeMemory(fields, throttle, 7);
      expect(decoded.pendingCreationsAtMs).toEqual([]);
      expect(decoded.bucket.available(7)).toBe(5);
      expect(decoded.lastScaleOutAtMs).toBeUndefined();
      expect(decoded.expectedDesiredCapacity).toBeUndefined();
      expect(decoded.bootOutcomes).toBe('');
      expect(decoded.creationBackoff).toEqual({ consecutiveBootFailures: 0, untilMs: undefined });
    }
  });

  it('keeps the stored token count under a changed throttle, capped at the new burst', () => {
    const stored = encodeMemory({
      pendingCreationsAtMs: [],
      bucket: TokenBucket.create(1, 10, 0).take(2, 0).bucket,
      lastScaleOutAtMs: undefined,
      lastScaleInAtMs: undefined,
      expectedDesiredCapacity: undefined,
      bootOutcomes: '',
      creationBackoff: { consecutiveBootFailures: 0, untilMs: undefined },
    });
    expect(decodeMemory(stored, { limitPerSecond: 1, burst: 5 }, 0).bucket.available(0)).toBe(5);
    expect(decodeMemory(stored, { limitPerSecond: 1, burst: 20 }, 0).bucket.available(0)).toBe(8);
  });

  it('drops entries that are not finite numbers', () => {
    const decoded = decodeMemory({ pendingCreationsAtMs: '[1, "2", null, 3]' }, throttle, 0);
    expect(decoded.pendingCreationsAtMs).toEqual([1, 3]);
  });
});
