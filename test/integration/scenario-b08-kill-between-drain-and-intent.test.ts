// Breaker (B08 / B52, invariants 5 and 8): the scaler leader dies (SIGKILL) right after the
// atomic idle → draining change and before it records the termination intent. The instance is
// left `draining` with no claim and no intent. No later leader ever finishes the removal:
// chooseRemovals picks only creating and ready instances, and reconcile re-sends only recorded
// intents, so the instance runs forever and the fleet never returns to zero.
import type { Registry } from '@taskfleet/registry';

import { idleTimeMs, settingsWith, startScalerWorld } from './scaler-harness';
import type { ScalerWorld } from './scaler-harness';

jest.setTimeout(120_000);

/** The registry as the dying leader sees it: the process is killed inside drainAndTerminate. */
function killedAfterDrain(registry: Registry): Registry {
  return new Proxy(registry, {
    get(target, property, receiver) {
      if (property === 'recordTerminationIntent') {
        return () => Promise.reject(new Error('SIGKILL: process gone after beginDrain'));
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

describe('B08 kill between drain and intent', () => {
  let world: ScalerWorld;

  beforeEach(async () => {
    world = await startScalerWorld();
  });

  afterEach(async () => {
    await world.cleanup();
  });

  it('lets the next leader terminate the drained instance, so the fleet reaches zero', async () => {
    const settings = settingsWith();
    const first = world.scaler('breaker-b08-old', settings);
    world.queued = 1;
    await world.tickUntil(first, async () => {
      const snapshot = await world.registry.snapshot();
      return snapshot.instancesByState.ready === 1;
    });
    world.queued = 0;

    // The old leader, killed inside its removal: only its registry view differs.
    const { Scaler } = await import('@taskfleet/scaler');
    const { pino } = await import('pino');
    const dying = new Scaler({
      holderId: 'breaker-b08-old',
      settings,
      provider: world.provider,
      registry: killedAfterDrain(world.registry),
      demand: { queuedJobCount: () => Promise.resolve(0) },
      logger: pino({ level: 'silent' }),
      clock: () => world.clock.now(),
      readyConnectTimeoutMs: 20_000,
      readyTimeoutMs: 30_000,
      // Its first pass decides the removal (no second idle pass needed): the crash is the point.
      idleConfirmMs: 0,
    });
    world.clock.advance(idleTimeMs + 1_000);
    await dying.tick().catch(() => undefined);
    const drained = (await world.registry.snapshot()).instances;
    expect(drained.map(i => i.state)).toEqual(['draining']);
    // The dead process never releases its lease; it expires on the clock.

    const next = world.scaler('breaker-b08-new', settings);
    let group = await world.group();
    for (let i = 0; i < 20 && group.members.length > 0; i += 1) {
      world.clock.advance(idleTimeMs / 2);
      await new Promise(resolve => setTimeout(resolve, 50));
      await next.tick();
      group = await world.group();
    }
    const left = (await world.registry.snapshot()).instances.map(i => [i.instanceId, i.state]);
    // Invariant 8: with idle_count = 0 and no demand the fleet reaches exactly zero.
    expect({ members: group.members.length, desired: group.desired, registry: left }).toEqual({
      members: 0,
      desired: 0,
      registry: [],
    });
  });
});
