import { countFleet } from './fleet-counts';
import { instance } from './testing/fleet';

const settings = { maxUseCount: 2, failureThreshold: 3 };

describe('countFleet', () => {
  it('puts every instance in exactly one bucket with its claims', () => {
    const counts = countFleet(
      [
        instance('creating', { state: 'creating', readyAtMs: null }),
        instance('free'),
        instance('busy', { acquiredSlots: 2, useCount: 1 }),
        instance('retired-busy', { acquiredSlots: 1, useCount: 2 }),
        instance('retired-idle', { useCount: 3 }),
        instance('unhealthy', { consecutiveHealthFailures: 3, useCount: 5 }),
        instance('almost-unhealthy', { consecutiveHealthFailures: 2 }),
        instance('draining', { state: 'draining' }),
        instance('deleting', { state: 'deleting', acquiredSlots: 1 }),
      ],
      settings,
    );
    expect(counts).toEqual({
      creating: 1,
      available: { instances: 3, acquiredSlots: 2 },
      retired: { instances: 2, acquiredSlots: 1 },
      unhealthy: { instances: 1, acquiredSlots: 0 },
      draining: { instances: 1, acquiredSlots: 0 },
      deleting: { instances: 1, acquiredSlots: 1 },
    });
  });

  it.each([
    [null, 100, 'available'],
    [0, 100, 'available'],
    [1, 1, 'retired'],
    [1, 0, 'available'],
  ] as const)('max_use_count %p with %i uses: %s', (maxUseCount, useCount, bucket) => {
    const counts = countFleet([instance('i', { useCount })], { maxUseCount, failureThreshold: 3 });
    expect(counts[bucket].instances).toBe(1);
  });
});
