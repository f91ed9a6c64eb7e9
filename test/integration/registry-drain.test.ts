// Safe scale-in against real Redis: the atomic idle → draining change, intents and clearing.
import type { Registry } from '@taskfleet/registry';

import { registryHarness } from './registry-harness';

const h = registryHarness('drain');
afterAll(() => h.cleanup());

let runnerSeq = 0;

async function fleet(
  count: number,
  capacityPerInstance = 1,
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
      maxUseCount: 0,
    });
    await registry.markReady(`i-${i}`, lease.fencingToken);
  }
  return { runnerKey, registry, token: lease.fencingToken };
}

describe('beginDrain', () => {
  it('B28 scale-down race: a claim that lands after the idle read makes the drain fail', async () => {
    const { registry, token } = await fleet(1);
    // The reaper reads i-0 as idle and is "paused" here …
    const seen = await registry.snapshot();
    expect(seen.instances[0]).toMatchObject({ instanceId: 'i-0', claimedSlots: 0 });
    // … an executor claims it …
    expect(await registry.claimSlot('j-1')).toMatchObject({ instanceId: 'i-0' });
    // … and the resumed reaper's drain is refused, so nothing is terminated.
    expect(await registry.beginDrain('i-0', token, { reason: 'idle' })).toEqual({
      drained: false,
      reason: 'busy',
    });
    await expect(registry.recordTerminationIntent('i-0', token, 'idle')).rejects.toMatchObject({
      code: 'invalid_transition',
    });
  });

  it('B28 the other order: when the drain wins, the claim goes to another instance', async () => {
    const { registry, token } = await fleet(2);
    const victim = (await registry.snapshot()).instances.find(i => i.instanceId === 'i-1')!;
    expect(victim.claimedSlots).toBe(0);
    expect(await registry.beginDrain('i-1', token, { reason: 'idle' })).toEqual({
      drained: true,
      alreadyDraining: false,
    });
    expect(await registry.claimSlot('j-2')).toMatchObject({ instanceId: 'i-0' });
    expect(await registry.claimSlot('j-3')).toBeUndefined();
  });

  it('never lets a claim and a drain both win, with many of each in parallel', async () => {
    for (let round = 0; round < 8; round += 1) {
      const { runnerKey, registry, token } = await fleet(6, 2);
      const conns = Array.from({ length: 4 }, () => h.open(runnerKey));
      const ops: Promise<unknown>[] = [];
      for (let i = 0; i < 6; i += 1) {
        ops.push(conns[i % 4]!.claimSlot(`r${round}-job-${i}`));
        ops.push(conns[(i + 1) % 4]!.beginDrain(`i-${i}`, token, { reason: 'idle' }));
        ops.push(conns[(i + 2) % 4]!.claimSlot(`r${round}-job-x${i}`));
      }
      await Promise.all(ops);
      const snapshot = await registry.snapshot();
      let claimed = 0;
      for (const instance of snapshot.instances) {
        if (instance.state === 'draining') {
          expect(instance.claimedSlots).toBe(0);
          expect(instance.slots.size).toBe(0);
        } else {
          expect(instance.state).toBe('ready');
          expect(instance.claimedSlots).toBeGreaterThan(0);
        }
        claimed += instance.claimedSlots;
      }
      expect(snapshot.claimedSlots).toBe(claimed);
      expect(claimed).toBeLessThanOrEqual(12);
    }
  });

  it('refuses a ready instance whose idle_time has not passed since its last job', async () => {
    const { registry, token } = await fleet(1);
    await registry.claimSlot('j-idle');
    h.clock.advance(60_000);
    await registry.releaseSlot('j-idle');
    const endedAt = h.clock.nowMs;
    h.clock.advance(1_000);
    // idle_time of 5 s: the instance must have been idle since at most now − 5 s.
    expect(
      await registry.beginDrain('i-0', token, {
        idleSinceAtMostMs: h.clock.nowMs - 5_000,
        reason: 'idle',
      }),
    ).toEqual({ drained: false, reason: 'recently_used' });
    expect(
      await registry.beginDrain('i-0', token, { idleSinceAtMostMs: endedAt, reason: 'idle' }),
    ).toMatchObject({
      drained: true,
    });
  });

  it('drains a retired or unhealthy instance only once it has no claims', async () => {
    const { registry, token } = await fleet(1);
    await registry.claimSlot('j-u');
    await registry.markUnhealthy('i-0', token, 'heartbeat');
    expect(await registry.beginDrain('i-0', token, { reason: 'unhealthy' })).toEqual({
      drained: false,
      reason: 'busy',
    });
    await registry.releaseSlot('j-u');
    expect(await registry.beginDrain('i-0', token, { reason: 'unhealthy' })).toMatchObject({
      drained: true,
    });
  });
});

describe('termination intents and clearing', () => {
  it('records a durable intent for a drained instance and clears it when the instance is gone', async () => {
    const { runnerKey, registry, token } = await fleet(1);
    await registry.beginDrain('i-0', token, { reason: 'idle' });
    await registry.recordTerminationIntent('i-0', token, 'idle');
    // A new leader process sees the intent and the deleting state.
    const other = h.open(runnerKey);
    const snapshot = await other.snapshot();
    expect(snapshot.terminationIntents).toEqual([
      {
        instanceId: 'i-0',
        recordedAtMs: h.clock.nowMs,
        reason: 'idle',
        sentAtMs: undefined,
        attempts: 0,
      },
    ]);
    expect(snapshot.instancesByState.deleting).toBe(1);
    expect(await other.clearInstance('i-0', token)).toEqual({ cleared: true, orphanedJobIds: [] });
    const after = await other.snapshot();
    expect(after.instances).toHaveLength(0);
    expect(after.terminationIntents).toHaveLength(0);
  });

  it('B01 a cloud-side termination stops new claims but keeps the running one counted', async () => {
    const { registry, token } = await fleet(1, 2);
    await registry.claimSlot('j-b01');
    // B30: a busy record is not erased on a lookup's word alone; the cloud must say deleting.
    await expect(registry.clearInstance('i-0', token)).rejects.toMatchObject({
      code: 'invalid_transition',
    });
    await registry.markDeleting('i-0', token, 'Terminating:Wait');
    expect(await registry.claimSlot('j-b01-next')).toBeUndefined();
    const snapshot = await registry.snapshot();
    expect(snapshot.claimedSlots).toBe(1);
    expect(snapshot.instancesByState.deleting).toBe(1);
    expect(snapshot.unavailableSlots).toBe(1);
    // The instance vanishes with the job on it: the claim is dropped and the job named.
    expect(await registry.clearInstance('i-0', token)).toEqual({
      cleared: true,
      orphanedJobIds: ['j-b01'],
    });
    expect(await registry.releaseSlot('j-b01')).toEqual({ released: false });
    expect((await registry.snapshot()).claimedSlots).toBe(0);
  });
});
