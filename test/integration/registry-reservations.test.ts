// Intake reservations against real Redis: invariant 6, shared by pollers, with expiry (B03, B06).
import type { Registry, ReserveInput } from '@taskfleet/registry';

import { registryHarness } from './registry-harness';

const h = registryHarness('reserve');
afterAll(() => h.cleanup());

let runnerSeq = 0;

async function fleet(
  count: number,
  capacityPerInstance: number,
  maxUseCount = 0,
): Promise<{ runnerKey: string; registry: Registry; token: number }> {
  runnerSeq += 1;
  const runnerKey = `runner-${runnerSeq}`;
  const registry = h.open(runnerKey);
  const lease = await registry.acquireLease('scaler', 600_000);
  if (!lease.acquired) {
    throw new Error('lease not acquired');
  }
  for (let i = 0; i < count; i += 1) {
    await registry.registerInstance(lease.fencingToken, {
      instanceId: `i-${i}`,
      state: 'booting',
      capacityPerInstance,
      maxUseCount,
    });
    await registry.markReady(`i-${i}`, lease.fencingToken);
  }
  return { runnerKey, registry, token: lease.fencingToken };
}

const preemptive = (capacityPerInstance: number, maxInstances = 5): ReserveInput => ({
  ownerId: 'poller-1',
  ttlMs: 60_000,
  mode: 'preemptive',
  maxInstances,
  capacityPerInstance,
});

describe('preemptive reservations', () => {
  it('are granted only against idle ready slots, across parallel pollers', async () => {
    const { runnerKey, registry } = await fleet(2, 1);
    const pollers = Array.from({ length: 5 }, () => h.open(runnerKey));
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => pollers[i % 5]!.reserve(preemptive(1))),
    );
    expect(results.filter(r => r.reserved)).toHaveLength(2);
    expect(results.filter(r => !r.reserved && r.reason === 'no_available_capacity')).toHaveLength(
      8,
    );
    expect((await registry.snapshot()).reservedSlots).toBe(2);
  });

  it('refuse with no instance ready even when more could be created', async () => {
    const { registry } = await fleet(0, 1);
    expect(await registry.reserve(preemptive(1))).toEqual({
      reserved: false,
      reason: 'no_available_capacity',
    });
  });

  it("expire after their TTL, so a dead poller's reservation frees its capacity", async () => {
    const { registry } = await fleet(1, 1);
    const held = await registry.reserve(preemptive(1));
    expect(held.reserved).toBe(true);
    expect((await registry.reserve(preemptive(1))).reserved).toBe(false);
    h.clock.advance(60_000);
    expect((await registry.snapshot()).reservedSlots).toBe(0);
    expect((await registry.reserve(preemptive(1))).reserved).toBe(true);
    expect(await registry.releaseReservation(held.reserved ? held.reservationId : '')).toBe(false);
  });

  it('turn into pending demand on a job, which the claim then consumes', async () => {
    const { registry } = await fleet(1, 2);
    const r = await registry.reserve(preemptive(2));
    if (!r.reserved) {
      throw new Error('not reserved');
    }
    expect(await registry.convertReservation(r.reservationId, '4242')).toEqual({
      reservationExpired: false,
    });
    let snapshot = await registry.snapshot();
    expect([snapshot.reservedSlots, snapshot.pendingJobs]).toEqual([0, 1]);
    // The pending job still holds its slot against intake: one left, not two.
    expect((await registry.reserve(preemptive(2))).reserved).toBe(true);
    expect((await registry.reserve(preemptive(2))).reserved).toBe(false);
    await registry.claimSlot('4242');
    snapshot = await registry.snapshot();
    expect([snapshot.pendingJobs, snapshot.claimedSlots, snapshot.reservedSlots]).toEqual([
      0, 1, 1,
    ]);
    // A job that never claims (failed back after instance_acquire_timeout) drops its demand.
    const other = await registry.reserve({ ...preemptive(2), mode: 'potential' });
    if (!other.reserved) {
      throw new Error('not reserved');
    }
    await registry.convertReservation(other.reservationId, '4243');
    expect(await registry.dropPending('4243')).toBe(true);
    expect((await registry.snapshot()).pendingJobs).toBe(0);
  });

  it('B06 empty polls burn no max_use_count=1 instance; a real job uses exactly one', async () => {
    const { registry } = await fleet(2, 1, 1);
    for (let i = 0; i < 100; i += 1) {
      const r = await registry.reserve(preemptive(1));
      expect(r.reserved).toBe(true);
      await registry.releaseReservation(r.reserved ? r.reservationId : '');
    }
    let snapshot = await registry.snapshot();
    expect(snapshot.instances.map(i => [i.state, i.useCount])).toEqual([
      ['ready', 0],
      ['ready', 0],
    ]);
    const r = await registry.reserve(preemptive(1));
    await registry.convertReservation(r.reserved ? r.reservationId : '', '1');
    await registry.claimSlot('1');
    snapshot = await registry.snapshot();
    expect(snapshot.instances.map(i => i.useCount).sort()).toEqual([0, 1]);
  });
});

describe('potential-capacity reservations', () => {
  const potential = (maxInstances: number, capacityPerInstance: number): ReserveInput => ({
    ownerId: 'poller-2',
    ttlMs: 60_000,
    mode: 'potential',
    maxInstances,
    capacityPerInstance,
  });

  it('are granted while max_instances × capacity exceeds claimed + reserved + pending + unavailable', async () => {
    const { registry, token } = await fleet(1, 2);
    await registry.claimSlot('job-a');
    const granted = [];
    for (let i = 0; i < 3; i += 1) {
      granted.push(await registry.reserve(potential(2, 2)));
    }
    expect(granted.every(r => r.reserved)).toBe(true);
    expect(await registry.reserve(potential(2, 2))).toEqual({
      reserved: false,
      reason: 'no_potential_capacity',
    });
    const first = granted[0]!;
    await registry.releaseReservation(first.reserved ? first.reservationId : '');
    // An unhealthy instance's free slot can never serve a job but still counts toward max_instances.
    await registry.markUnhealthy('i-0', token, 'heartbeat');
    expect(await registry.reserve(potential(2, 2))).toEqual({
      reserved: false,
      reason: 'no_potential_capacity',
    });
  });

  it('never together exceed potential capacity, across parallel pollers', async () => {
    const { runnerKey, registry } = await fleet(1, 2);
    await registry.claimSlot('job-p');
    const pollers = Array.from({ length: 4 }, () => h.open(runnerKey));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => pollers[i % 4]!.reserve(potential(3, 2))),
    );
    // 3 × 2 slots, one claimed: five reservations and no more.
    expect(results.filter(r => r.reserved)).toHaveLength(5);
    expect((await registry.snapshot()).reservedSlots).toBe(5);
  });

  it('B03 open long-polls never keep idle instances: every idle one still drains', async () => {
    const { registry, token } = await fleet(4, 1);
    for (let i = 0; i < 10; i += 1) {
      expect((await registry.reserve(potential(20, 1))).reserved).toBe(true);
    }
    // idle_time 5 min, 6.5 min later (the leader's lease, 10 min, still holds).
    h.clock.advance(390_000);
    const idleBound = h.clock.nowMs - 300_000;
    for (let i = 0; i < 4; i += 1) {
      const result = await registry.beginDrain(`i-${i}`, token, {
        idleSinceAtMostMs: idleBound,
        reason: 'idle',
      });
      expect(result.drained).toBe(true);
    }
  });

  it('are all released when their poller shuts down', async () => {
    const { registry } = await fleet(1, 1);
    await registry.reserve(potential(3, 1));
    await registry.reserve({ ...potential(3, 1), ownerId: 'poller-other' });
    await registry.reserve(potential(3, 1));
    expect(await registry.releaseOwnerReservations('poller-2')).toBe(2);
    expect((await registry.snapshot()).reservedSlots).toBe(1);
  });
});
