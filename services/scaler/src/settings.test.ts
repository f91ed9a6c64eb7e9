import { lifecycleTimings } from './settings';
import type { ScalerSettings } from './settings';

const base: ScalerSettings = {
  capacityPerInstance: 1,
  maxUseCount: null,
  maxInstanceCount: 3,
  instanceReadyCommand: null,
  updateIntervalMs: 60_000,
  failureThreshold: 3,
  scaleThrottle: { limitPerSecond: null, burst: null },
  policies: [],
};

describe('lifecycleTimings', () => {
  it("fills GitLab's defaults", () => {
    expect(lifecycleTimings(base)).toEqual({
      updateIntervalMs: 60_000,
      updateIntervalWhenExpectingMs: 2_000,
      deletionRetryIntervalMs: 60_000,
      deleteInstancesOnShutdown: false,
      shutdownDeletionIntervalMs: 10_000,
      shutdownDeletionRetries: 3,
    });
  });

  it('never lets the expecting interval be slower than the normal one', () => {
    const timings = lifecycleTimings({
      ...base,
      updateIntervalMs: 1_000,
      updateIntervalWhenExpectingMs: 5_000,
    });
    expect(timings.updateIntervalWhenExpectingMs).toBe(1_000);
  });

  it('names every bad value at once', () => {
    expect(() =>
      lifecycleTimings({
        ...base,
        updateIntervalMs: 0,
        deletionRetryIntervalMs: -1,
        shutdownDeletionRetries: 0,
      }),
    ).toThrow(
      /update interval must be positive.*deletion retry interval.*shutdown deletion retries/,
    );
  });
});
