// B59's last bullet: the last scale-out and scale-in times are stored in Redis, so a restart
// inside a scale_in_cooldown does not scale in early. Two scalers on one registry prefix and the
// AWS emulator (real sshd instances) on one manual clock; the first one stops inside the cooldown
// and the second one, with no process memory of it, waits it out.
import type { ScalerRemoval, TickOutcome } from '@taskfleet/scaler';

import { idleTimeMs, settingsWith, startScalerWorld } from './scaler-harness';
import type { ScalerWorld } from './scaler-harness';

jest.setTimeout(60_000);

const led = (o: TickOutcome) => (o.led ? o : undefined);
const cooldownMs = 300_000;
const stepMs = 20_000;
const settings = settingsWith({ capacityPerInstance: 1 });
const extras = { scaleInCooldownMs: cooldownMs, idleConfirmMs: 0 };

describe('B59 scale-in cooldown across a restart', () => {
  let world: ScalerWorld;

  beforeEach(async () => {
    world = await startScalerWorld();
  });

  afterEach(async () => {
    await world.cleanup();
  });

  it('a restart inside the cooldown does not scale in early; after it the idle instance goes', async () => {
    const a = world.scaler('scaler-a', settings, undefined, extras);
    world.queued = 1;
    const scaleOut = await world.tickUntil(a, o => (led(o)?.apply.requested ?? 0) > 0);
    const scaledOutAtMs = world.clock.now();
    expect(scaleOut).toHaveLength(1);
    await world.tickUntil(a, async () =>
      (await world.registry.snapshot()).instances.some(i => i.state === 'ready'),
    );
    world.queued = 0;
    const id = (await world.registry.snapshot()).instances[0]?.instanceId ?? '';

    // Past idle_time, inside the cooldown: held, reported, nothing terminated.
    world.clock.advance(idleTimeMs + 1_000);
    const held = led(await a.tick());
    expect(held?.heldByCooldown).toEqual([id]);
    expect(held?.removals).toEqual([]);
    expect(held?.scaleInCooldownLeftMs).toBe(scaledOutAtMs + cooldownMs - world.clock.now());
    await a.close();

    // A new process: its first tick, and every tick up to the end of the cooldown, holds too.
    const b = world.scaler('scaler-b', settings, undefined, extras);
    const removed: ScalerRemoval[] = [];
    const seen = await world.tickUntil(
      b,
      o => {
        const tick = led(o);
        expect(tick).toBeDefined();
        removed.push(...(tick?.removals ?? []));
        if (world.clock.now() < scaledOutAtMs + cooldownMs) {
          expect(tick?.heldByCooldown).toEqual([id]);
          expect(tick?.apply.terminated).toEqual([]);
        }
        return (tick?.apply.terminated ?? []).includes(id);
      },
      { stepMs, maxTicks: Math.ceil(cooldownMs / stepMs) + 2 },
    );
    expect(world.clock.now()).toBeGreaterThanOrEqual(scaledOutAtMs + cooldownMs);
    expect(seen.length).toBeGreaterThan(5);
    expect(removed).toEqual([expect.objectContaining({ id, reason: 'idle_timeout' })]);
    const stored = await world.registry.readScalerState();
    expect(Number(stored.lastIdleRemovalAtMs)).toBe(world.clock.now());
  });
});
