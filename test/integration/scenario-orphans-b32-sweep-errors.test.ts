// B32 and B30 (kind 2, invariant 5): members of the group without a registry record are orphans
// only once older than the boot grace and seen on two passes; a failing lookup or termination of
// one never aborts the pass for the others; an instance any claim names is never terminated; the
// oldest orphan's age is reported (the `taskfleet_orphan_age_seconds` gauge).
import type { TickOutcome } from '@taskfleet/scaler';
import { Redis } from 'ioredis';

import { settingsWith, startScalerWorld } from './scaler-harness';
import type { ScalerWorld } from './scaler-harness';
import { failingLookup, raiseFromOutside, scalerOn, terminatedIds } from './support/orphan-world';

jest.setTimeout(60_000);

const graceMs = 10_000;
const settings = settingsWith({ maxInstanceCount: 5, deletionRetryIntervalMs: 2_000 });

function led(outcome: TickOutcome) {
  if (!outcome.led) {
    throw new Error('the sweeper did not lead');
  }
  return outcome;
}

async function tick(world: ScalerWorld, scaler: { tick(): Promise<TickOutcome> }, stepMs = 1_000) {
  world.clock.advance(stepMs);
  // sshd processes stop on real time: give them a moment between ticks.
  await new Promise(resolve => setTimeout(resolve, 50));
  return led(await scaler.tick());
}

describe('B32 orphan sweep errors', () => {
  let world: ScalerWorld;

  beforeEach(async () => {
    world = await startScalerWorld();
  });

  afterEach(async () => {
    await world.cleanup();
  });

  it('terminates the other orphans in the pass where one lookup throws, and that one later', async () => {
    const orphans = await raiseFromOutside(world, 5);
    const victim = orphans[2] ?? '';
    let failing = false;
    const scaler = scalerOn(
      world,
      failingLookup(world.registry, victim, () => failing),
      settings,
      graceMs,
    );
    try {
      const first = await tick(world, scaler);
      const firstAtMs = world.clock.now();
      // Seen once, and young: nothing is removed on a first sighting.
      expect([...first.reconcile.suspectedOrphans].sort()).toEqual(orphans);
      expect(first.reconcile.distrusted).toEqual([]);
      failing = true;

      const outcomes: ReturnType<typeof led>[] = [];
      while (outcomes.every(o => o.reconcile.distrusted.length === 0) && outcomes.length < 20) {
        outcomes.push(await tick(world, scaler));
      }
      const sweep = outcomes[outcomes.length - 1];
      const others = orphans.filter(id => id !== victim);
      expect([...(sweep?.reconcile.distrusted ?? [])].sort()).toEqual(others);
      expect(terminatedIds(world).sort()).toEqual(others);
      expect(sweep?.removalsByReason).toEqual({ orphan: 4 });
      // The failing one keeps its first sighting (the first tick), so its age goes on growing.
      expect(sweep?.orphanAgeSeconds).toBe(Math.floor((world.clock.now() - firstAtMs) / 1000));

      const ages: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        ages.push((await tick(world, scaler, 5_000)).orphanAgeSeconds);
      }
      expect(ages[2]).toBeGreaterThan(ages[0] ?? Infinity);
      expect(terminatedIds(world)).not.toContain(victim);

      failing = false;
      // One successful lookup is its second sighting, long past the grace: it goes now.
      const healed = await tick(world, scaler);
      expect(healed.reconcile.distrusted).toEqual([victim]);
      const after: number[] = [];
      for (let i = 0; i < 20 && (await world.group()).members.length > 0; i += 1) {
        after.push((await tick(world, scaler)).orphanAgeSeconds);
      }
      expect((await world.group()).members).toEqual([]);
      expect(after[after.length - 1]).toBe(0);
    } finally {
      await scaler.close();
    }
  });

  it('goes on with the pass when one termination fails, and sends that one again', async () => {
    const orphans = await raiseFromOutside(world, 3);
    const scaler = scalerOn(world, world.registry, settings, graceMs);
    try {
      await tick(world, scaler);
      // The first termination of the confirming pass fails in the cloud.
      const fault = await fetch(`${world.emulator.adminEndpoint}/faults/error`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          action: 'TerminateInstanceInAutoScalingGroup',
          code: 'InternalFailure',
          calls: 1,
        }),
      });
      expect(fault.ok).toBe(true);
      const outcomes: ReturnType<typeof led>[] = [];
      while (outcomes.every(o => o.reconcile.distrusted.length === 0) && outcomes.length < 20) {
        outcomes.push(await tick(world, scaler));
      }
      const sweep = outcomes[outcomes.length - 1];
      expect([...(sweep?.reconcile.distrusted ?? [])].sort()).toEqual(orphans);
      expect(terminatedIds(world)).toHaveLength(2);
      for (let i = 0; i < 20 && (await world.group()).members.length > 0; i += 1) {
        await tick(world, scaler);
      }
      expect((await world.group()).members).toEqual([]);
      expect(terminatedIds(world).sort()).toEqual(orphans);
    } finally {
      await scaler.close();
    }
  });
});

describe('B30 orphan with a claim', () => {
  let world: ScalerWorld;
  let redis: Redis;

  beforeEach(async () => {
    world = await startScalerWorld();
    redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
  });

  afterEach(async () => {
    await redis.quit();
    await world.cleanup();
  });

  it('never terminates a member without a record that any claim names, under any slot', async () => {
    const [claimed, slotted, free] = await raiseFromOutside(world, 3);
    const base = world.registry.baseKey;
    // The records are lost, yet a job still claims `claimed` (slot 7, which it never had) and
    // `slotted` holds a job in its slots hash only.
    await redis.hset(
      `${base}:claims`,
      'job-42',
      JSON.stringify({ instanceId: claimed, slot: 7, claimedAtMs: world.clock.now() }),
    );
    await redis.hset(`${base}:inst:${slotted}:slots`, '0', 'job-43');
    const scaler = scalerOn(world, world.registry, settings, graceMs);
    try {
      const outcomes: ReturnType<typeof led>[] = [];
      for (let i = 0; i < 8; i += 1) {
        outcomes.push(await tick(world, scaler, 5_000));
      }
      const last = outcomes[outcomes.length - 1];
      expect([...(last?.reconcile.heldOrphans ?? [])].sort()).toEqual([claimed, slotted].sort());
      expect(terminatedIds(world)).toEqual([free]);
      expect(last?.orphanAgeSeconds).toBeGreaterThanOrEqual(35);

      // Once the job ends (its claim released), the instance is an orphan like any other.
      await world.registry.releaseSlot('job-42');
      await redis.del(`${base}:inst:${slotted}:slots`);
      for (let i = 0; i < 20 && (await world.group()).members.length > 0; i += 1) {
        await tick(world, scaler);
      }
      expect((await world.group()).members).toEqual([]);
      expect(terminatedIds(world).sort()).toEqual([claimed, free, slotted].sort());
    } finally {
      await scaler.close();
    }
  });
});
