import { TokenBucket } from '@taskfleet/taskscaler';

import type { Registry } from '@taskfleet/registry';

import { decodeMemory, encodeMemory, saveMemory } from './memory';

const throttle = { limitPerSecond: 1, burst: 5 };

describe('scaler memory encoding', () => {
  it('round-trips pending creations, the bucket and the last scale times', () => {
    const bucket = TokenBucket.create(1, 5, 1_000).take(4, 1_000).bucket;
    const memory = {
      pendingCreationsAtMs: [900, 1_000],
      bucket,
      lastScaleOutAtMs: 1_000,
      lastScaleInAtMs: 500,
      lastIdleRemovalAtMs: 400,
      expectedDesiredCapacity: 3,
      bootOutcomes: 'rrf',
      creationBackoff: { consecutiveBootFailures: 3, untilMs: 9_000 },
      probeDueAtMs: new Map([
        ['i-1', 4_000],
        ['i-2', 12_000],
      ]),
    };
    const decoded = decodeMemory(encodeMemory(memory), throttle, 2_000);
    expect(decoded.pendingCreationsAtMs).toEqual([900, 1_000]);
    expect(decoded.bucket.state).toEqual(bucket.state);
    // One token spent is still spent after a restart: 1 left + 1 s of refill.
    expect(decoded.bucket.available(2_000)).toBeCloseTo(2);
    expect(decoded).toMatchObject({
      lastScaleOutAtMs: 1_000,
      lastScaleInAtMs: 500,
      lastIdleRemovalAtMs: 400,
      expectedDesiredCapacity: 3,
      bootOutcomes: 'rrf',
      creationBackoff: { consecutiveBootFailures: 3, untilMs: 9_000 },
    });
    expect([...decoded.probeDueAtMs]).toEqual([
      ['i-1', 4_000],
      ['i-2', 12_000],
    ]);
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
        probeDueAtMs: '[1, 2]',
      },
      { probeDueAtMs: '{"i-1": "soon", "i-2": null}' },
    ];
    for (const fields of cases) {
      const decoded = decodeMemory(fields, throttle, 7);
      expect(decoded.pendingCreationsAtMs).toEqual([]);
      expect(decoded.bucket.available(7)).toBe(5);
      expect(decoded.lastScaleOutAtMs).toBeUndefined();
      expect(decoded.lastIdleRemovalAtMs).toBeUndefined();
      expect(decoded.expectedDesiredCapacity).toBeUndefined();
      expect(decoded.bootOutcomes).toBe('');
      expect(decoded.creationBackoff).toEqual({ consecutiveBootFailures: 0, untilMs: undefined });
      expect(decoded.probeDueAtMs.size).toBe(0);
    }
  });

  it('keeps the stored token count under a changed throttle, capped at the new burst', () => {
    const stored = encodeMemory({
      pendingCreationsAtMs: [],
      bucket: TokenBucket.create(1, 10, 0).take(2, 0).bucket,
      lastScaleOutAtMs: undefined,
      lastScaleInAtMs: undefined,
      lastIdleRemovalAtMs: undefined,
      expectedDesiredCapacity: undefined,
      bootOutcomes: '',
      creationBackoff: { consecutiveBootFailures: 0, untilMs: undefined },
      probeDueAtMs: new Map(),
    });
    expect(decodeMemory(stored, { limitPerSecond: 1, burst: 5 }, 0).bucket.available(0)).toBe(5);
    expect(decodeMemory(stored, { limitPerSecond: 1, burst: 20 }, 0).bucket.available(0)).toBe(8);
  });

  it('drops entries that are not finite numbers', () => {
    const decoded = decodeMemory({ pendingCreationsAtMs: '[1, "2", null, 3]' }, throttle, 0);
    expect(decoded.pendingCreationsAtMs).toEqual([1, 3]);
  });
});

describe('saveMemory', () => {
  it('writes only the fields that changed, and always asks the fence', async () => {
    const writes: Record<string, string>[] = [];
    const registry = {
      writeScalerState: (_token: number, fields: Record<string, string>) => {
        writes.push(fields);
        return Promise.resolve();
      },
    } as unknown as Registry;
    const stored = encodeMemory(decodeMemory({}, throttle, 0));
    const memory = { ...decodeMemory(stored, throttle, 0), storedFields: stored };
    await saveMemory(registry, 7, memory);
    memory.probeDueAtMs.set('i-1', 5_000);
    memory.lastScaleInAtMs = 4_000;
    await saveMemory(registry, 7, memory);
    await saveMemory(registry, 7, memory);
    expect(writes).toEqual([{}, { lastScaleInAtMs: '4000', probeDueAtMs: '{"i-1":5000}' }, {}]);
  });
});
