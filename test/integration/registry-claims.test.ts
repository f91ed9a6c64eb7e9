// Slot claims against real Redis: busiest-first, idempotent, use counts, and parallel executors.
import type { Registry } from '@taskfleet/registry';

import { registryHarness } from './registry-harness';

const h = registryHarness('claims');
afterAll(() => h.cleanup());

let runnerSeq = 0;

/** A fresh runner with a leader and `count` ready instances. */
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
    const instanceId = `i-${i}`;
    await registry.registerInstance(lease.fencingToken, {
      instanceId,
      state: 'booting',
      capacityPerInstance,
      maxUseCount,
    });
    await registry.markReady(instanceId, lease.fencingToken);
  }
  return { runnerKey, registry, token: lease.fencingToken };
}

describe('claimSlot', () => {
  it('fills the busiest ready instance first and numbers slots per instance', async () => {
    const { registry } = await fleet(3, 3);
    const first = await registry.claimSlot('100');
    const rest = [await registry.claimSlot('101'), await registry.claimSlot('102')];
    // Every later claim goes where the first went, until that instance is full.
    expect(rest.map(c => c?.instanceId)).toEqual([first?.instanceId, first?.instanceId]);
    expect([first, ...rest].map(c => c?.slot)).toEqual([0, 1, 2]);
    const overflow = await registry.claimSlot('103');
    expect(overflow?.instanceId).not.toBe(first?.instanceId);
    expect(overflow?.slot).toBe(0);
    // A freed slot on the busiest instance is taken again before the emptier one.
    await registry.releaseSlot('101');
    expect(await registry.claimSlot('104')).toEqual({
      instanceId: first?.instanceId,
      slot: 1,
      existing: false,
    });
    const snapshot = await registry.snapshot();
    expect(snapshot.claimedSlots).toBe(4);
    expect(snapshot.idleReadySlots).toBe(5);
    const idle = snapshot.instances.filter(i => i.claimedSlots === 0);
    expect(idle).toHaveLength(1);
  });

  it('returns the same slot when one job is claimed twice, also from parallel executors', async () => {
    const { runnerKey, registry } = await fleet(4, 2);
    const executors = Array.from({ length: 6 }, () => h.open(runnerKey));
    const claims = await Promise.all(executors.map(e => e.claimSlot('777')));
    const distinct = new Set(claims.map(c => `${c?.instanceId}/${c?.slot}`));
    expect(distinct.size).toBe(1);
    expect(claims.filter(c => c?.existing === false)).toHaveLength(1);
    const record = await registry.getInstance(claims[0]!.instanceId);
    expect(record?.useCount).toBe(1);
    expect(record?.claimedSlots).toBe(1);
  });

  it('never hands out more claims than slots, and no slot twice, under parallel executors', async () => {
    const { runnerKey, registry } = await fleet(3, 2);
    const executors = Array.from({ length: 5 }, () => h.open(runnerKey));
    const jobs = Array.from({ length: 60 }, (_, i) => `job-${i}`);
    const claims = await Promise.all(
      jobs.map((job, i) => executors[i % executors.length]!.claimSlot(job)),
    );
    const granted = claims.filter(c => c !== undefined);
    expect(granted).toHaveLength(6);
    expect(new Set(granted.map(c => `${c.instanceId}/${c.slot}`)).size).toBe(6);
    const snapshot = await registry.snapshot();
    expect(snapshot.claimedSlots).toBe(6);
    expect(snapshot.idleReadySlots).toBe(0);
    for (const instance of snapshot.instances) {
      expect(instance.claimedSlots).toBe(2);
      expect([...instance.slots.keys()].sort()).toEqual([0, 1]);
    }
  });
});

describe('releaseSlot', () => {
  it('frees the slot, stamps the last job end, and is a no-op the second time', async () => {
    const { registry } = await fleet(1, 1);
    const claim = await registry.claimSlot('500');
    h.clock.advance(42_000);
    const released = await registry.releaseSlot('500');
    expect(released).toEqual({
      released: true,
      instanceId: claim?.instanceId,
      slot: 0,
      state: 'ready',
      removable: false,
    });
    expect(await registry.releaseSlot('500')).toEqual({ released: false });
    const record = await registry.getInstance(claim!.instanceId);
    expect(record).toMatchObject({
      claimedSlots: 0,
      useCount: 1,
      lastJobEndedAtMs: h.clock.nowMs,
      idleSinceMs: h.clock.nowMs,
    });
  });
});

describe('max_use_count', () => {
  it('retires at the last use, keeps the other slots unavailable, and marks it removable at release', async () => {
    const { registry } = await fleet(1, 2, 2);
    await registry.claimSlot('1');
    const second = await registry.claimSlot('2');
    expect(second?.slot).toBe(1);
    await registry.releaseSlot('1');
    // Use count 2 of 2: the freed slot must not take a third job.
    expect(await registry.claimSlot('3')).toBeUndefined();
    const mid = await registry.snapshot();
    expect(mid.instancesByState.retired).toBe(1);
    expect(mid.unavailableSlots).toBe(1);
    expect(mid.idleReadySlots).toBe(0);
    const last = await registry.releaseSlot('2');
    expect(last).toMatchObject({ released: true, state: 'retired', removable: true });
  });

  it('B11 used VM after restart: the use count survives a new Registry on a new connection', async () => {
    const { runnerKey, registry, token } = await fleet(1, 1, 1);
    const claim = await registry.claimSlot('900');
    expect(claim?.instanceId).toBe('i-0');
    // The process "dies" before releasing or terminating; a new one starts on a new connection.
    const restarted = h.open(runnerKey);
    const record = await restarted.getInstance('i-0');
    expect(record).toMatchObject({ useCount: 1, state: 'retired' });
    // Re-registering the same id (adoption on reconcile) must not reset anything.
    const again = await restarted.registerInstance(token, {
      instanceId: 'i-0',
      state: 'booting',
      capacityPerInstance: 1,
      maxUseCount: 1,
    });
    expect(again).toEqual({ created: false, state: 'retired' });
    await restarted.releaseSlot('900');
    expect(await restarted.claimSlot('901')).toBeUndefined();
  });
});
