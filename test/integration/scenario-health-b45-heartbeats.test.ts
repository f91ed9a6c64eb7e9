// Heartbeats on the AWS emulator (real sshd instances, manual clock) and real Redis (issue #4
// kind 8, the scaler half of B45): a frozen instance fails its heartbeats in the background,
// turns unhealthy at failure_threshold, leaves capacity and is replaced, while ticks go on
// without waiting for the probe; what a probe finds is written by its scaler's next led tick,
// so one that finishes after the scaler lost the lease writes nothing.
import type { Scaler, TickOutcome } from '@taskfleet/scaler';

import { settingsWith, startScalerWorld } from './scaler-harness';
import type { ScalerWorld } from './scaler-harness';

jest.setTimeout(90_000);

const led = (o: TickOutcome) => (o.led ? o : undefined);
const heartbeatIntervalMs = 10_000;
const settings = settingsWith({ capacityPerInstance: 1, failureThreshold: 2 });

async function admin(world: ScalerWorld, path: string): Promise<void> {
  const response = await fetch(`${world.emulator.adminEndpoint}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  expect(response.ok).toBe(true);
}

async function oneReady(world: ScalerWorld, scaler: Scaler): Promise<string> {
  world.queued = 1;
  await world.tickUntil(scaler, async () =>
    (await world.registry.snapshot()).instances.some(i => i.state === 'ready'),
  );
  const snap = await world.registry.snapshot();
  return snap.instances.find(i => i.state === 'ready')?.instanceId ?? '';
}

describe('B45 heartbeats retire a dead instance', () => {
  let world: ScalerWorld;

  beforeEach(async () => {
    world = await startScalerWorld();
  });

  afterEach(async () => {
    await world.cleanup();
  });

  it('a frozen instance turns unhealthy at failure_threshold, is removed and replaced', async () => {
    const scaler = world.scaler('scaler-a', settings, undefined, {
      heartbeatIntervalMs,
      heartbeatTimeoutMs: 2_000,
    });
    const frozen = await oneReady(world, scaler);
    // A healthy instance passes its heartbeats: no failure is counted.
    world.clock.advance(heartbeatIntervalMs);
    await scaler.tick();
    await scaler.probesSettled();
    expect(led(await scaler.tick())?.heartbeatFailed).toEqual([]);
    expect((await world.registry.getInstance(frozen))?.failureCount).toBe(0);

    await admin(world, `/instances/${frozen}/pause`);
    const outcomes = await world.tickUntil(
      scaler,
      o => (led(o)?.madeUnhealthy ?? []).includes(frozen),
      { stepMs: heartbeatIntervalMs / 4, maxTicks: 120 },
    );
    // Ticks went on while a heartbeat hung on the frozen sshd.
    expect(outcomes.some(o => (led(o)?.probesInFlight ?? 0) > 0)).toBe(true);
    expect(outcomes.flatMap(o => led(o)?.heartbeatFailed ?? [])).toEqual([frozen, frozen]);
    const record = await world.registry.getInstance(frozen);
    expect(record?.state).toMatch(/unhealthy|draining|deleting/);
    expect(await world.registry.claimSlot('job-after')).toBeUndefined();

    const rest = await world.tickUntil(scaler, async () => {
      const snap = await world.registry.snapshot();
      return snap.instances.some(i => i.state === 'ready' && i.instanceId !== frozen);
    });
    const removals = [...outcomes, ...rest].flatMap(o => led(o)?.removals ?? []);
    expect(removals.map(r => [r.id, r.reason])).toEqual([[frozen, 'unhealthy']]);
    expect([...outcomes, ...rest].flatMap(o => led(o)?.apply.terminated ?? [])).toEqual([frozen]);
    world.queued = 0;
  });

  it('a heartbeat that ends after its scaler lost the lease writes nothing', async () => {
    const a = world.scaler('scaler-a', settings, undefined, {
      heartbeatIntervalMs,
      heartbeatTimeoutMs: 3_000,
      leaseTtlMs: 5_000,
    });
    // B would check only in an hour, so any failure counted below could only be A's.
    const b = world.scaler('scaler-b', settings, undefined, { heartbeatIntervalMs: 3_600_000 });
    const frozen = await oneReady(world, a);
    await admin(world, `/instances/${frozen}/pause`);
    world.clock.advance(heartbeatIntervalMs);
    expect(led(await a.tick())?.probesInFlight).toBe(1);
    // A stalls; its lease runs out and B takes over while A's heartbeat still hangs.
    world.clock.advance(6_000);
    expect((await b.tick()).led).toBe(true);
    await a.probesSettled();
    // A's next tick does not lead, so what its heartbeat found is dropped, never written.
    expect((await a.tick()).led).toBe(false);
    expect(await world.registry.getInstance(frozen)).toMatchObject({
      state: 'ready',
      failureCount: 0,
    });
    await admin(world, `/instances/${frozen}/resume`);
    world.queued = 0;
  });
});
