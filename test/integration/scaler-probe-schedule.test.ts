// The probe schedule lives in the scaler memory in Redis: a second scaler taking over the lease
// goes on with a backed-off ready check's due time instead of probing at once and starting the
// back-off afresh. AWS emulator with real sshd, manual clock, real Redis.
import { decodeMemory } from '@taskfleet/scaler';
import type { TickOutcome } from '@taskfleet/scaler';

import { settingsWith, startScalerWorld } from './scaler-harness';
import type { ScalerWorld } from './scaler-harness';

jest.setTimeout(60_000);

const settings = settingsWith({
  capacityPerInstance: 1,
  maxInstanceCount: 1,
  instanceReadyCommand: 'false',
  failureThreshold: 10,
  // The ready check's back-off: 2 s doubled per failure.
  updateIntervalMs: 2_000,
  updateIntervalWhenExpectingMs: 2_000,
});

describe('probe schedule across a leader change', () => {
  let world: ScalerWorld;

  beforeEach(async () => {
    world = await startScalerWorld();
  });

  afterEach(async () => {
    await world.cleanup();
  });

  async function failures(): Promise<number> {
    const snapshot = await world.registry.snapshot();
    return snapshot.instances[0]?.failureCount ?? 0;
  }

  async function storedDueAtMs(id: string): Promise<number | undefined> {
    const fields = await world.registry.readScalerState();
    return decodeMemory(fields, settings.scaleThrottle, world.clock.now()).probeDueAtMs.get(id);
  }

  it('a second scaler keeps a backed-off instance due time', async () => {
    world.queued = 1;
    const a = world.scaler('scaler-a', settings);
    await world.tickUntil(
      a,
      async () => {
        await a.probesSettled();
        return (await failures()) === 3;
      },
      { maxTicks: 30 },
    );
    const id = (await world.registry.snapshot()).instances[0]?.instanceId ?? '';
    const dueAtMs = (await storedDueAtMs(id)) ?? 0;
    // Third failure: the next try waits 8 s.
    expect(dueAtMs - world.clock.now()).toBe(8_000);
    await a.close();

    const b = world.scaler('scaler-b', settings);
    const seen: { atMs: number; failures: number }[] = [];
    await world.tickUntil(
      b,
      async (o: TickOutcome) => {
        expect(o.led).toBe(true);
        await b.probesSettled();
        seen.push({ atMs: world.clock.now(), failures: await failures() });
        return (seen[seen.length - 1]?.failures ?? 0) === 4;
      },
      { maxTicks: 20 },
    );
    // Nothing tried before the due time A left; the fourth failure once it passed.
    for (const tick of seen.filter(t => t.atMs < dueAtMs)) {
      expect(tick.failures).toBe(3);
    }
    expect(seen.length).toBeGreaterThan(4);
    expect(await storedDueAtMs(id)).toBeGreaterThan(dueAtMs);
  });
});
