// The slot waiting list against real Redis: freed and new slots go to waiting jobs in arrival
// order, a dead executor's job lapses instead of holding up the next, and each grant wakes the
// waiter through the grant announcement rather than a poll.
import { acquireSlot } from '@taskfleet/executor';
import { ManualClock } from '@taskfleet/gitlab';
import { SlotGrantWatch } from '@taskfleet/registry';
import type { Registry } from '@taskfleet/registry';
import { pino } from 'pino';

import { registryHarness } from './registry-harness';

const h = registryHarness('waiting');
afterAll(() => h.cleanup());

let runnerSeq = 0;

/** A fresh runner with a leader and one ready instance of `capacity` slots, all claimed. */
async function fullFleet(capacity: number): Promise<{ registry: Registry; token: number }> {
  runnerSeq += 1;
  const registry = h.open(`runner-${runnerSeq}`);
  const lease = await registry.acquireLease('scaler', 3_600_000);
  if (!lease.acquired) {
    throw new Error('lease not acquired');
  }
  await addReady(registry, lease.fencingToken, 'i-1', capacity);
  for (let i = 0; i < capacity; i += 1) {
    expect(await registry.claimSlot(`busy-${i}`)).toBeDefined();
  }
  return { registry, token: lease.fencingToken };
}

async function addReady(
  registry: Registry,
  token: number,
  instanceId: string,
  capacity: number,
): Promise<void> {
  await registry.registerInstance(token, {
    instanceId,
    state: 'booting',
    capacityPerInstance: capacity,
    maxUseCount: 0,
  });
  await registry.markReady(instanceId, token);
}

/** Job ids holding a claim, of those asked. */
async function holders(registry: Registry, jobIds: readonly string[]): Promise<string[]> {
  const claims = await h.raw().hkeys(`${registry.baseKey}:claims`);
  return jobIds.filter(id => claims.includes(id));
}

describe('slot waiting list', () => {
  it('hands freed and new slots to waiting jobs in arrival order, busiest first', async () => {
    const { registry, token } = await fullFleet(2);
    const waiting = ['w1', 'w2', 'w3', 'w4', 'w5'];
    for (const jobId of waiting) {
      expect(await registry.claimSlot(jobId, 30_000)).toBeUndefined();
    }
    await registry.releaseSlot('busy-0');
    expect(await holders(registry, waiting)).toEqual(['w1']);
    // A job arriving now finds no slot either: the waiting ones keep their turn.
    expect(await registry.claimSlot('late', 30_000)).toBeUndefined();
    await registry.releaseSlot('busy-1');
    expect(await holders(registry, waiting)).toEqual(['w1', 'w2']);
    await addReady(registry, token, 'i-2', 2);
    expect(await holders(registry, waiting)).toEqual(['w1', 'w2', 'w3', 'w4']);
    // w4 went where w3 went: the busiest open instance first.
    const w3 = await registry.claimSlot('w3', 30_000);
    const w4 = await registry.claimSlot('w4', 30_000);
    expect(w3).toEqual({ instanceId: 'i-2', slot: 0, existing: false, granted: true });
    expect(w4).toEqual({ instanceId: 'i-2', slot: 1, existing: false, granted: true });
    // Asked again, a granted claim is an ordinary held one.
    expect(await registry.claimSlot('w3', 30_000)).toEqual({
      instanceId: 'i-2',
      slot: 0,
      existing: true,
    });
    await registry.releaseSlot('w1');
    expect(await holders(registry, ['w5', 'late'])).toEqual(['w5']);
    await registry.releaseSlot('w2');
    expect(await holders(registry, ['w5', 'late'])).toEqual(['w5', 'late']);
  });

  it('lets the place of a waiter that stopped looking lapse, so the next job gets the slot', async () => {
    const { registry } = await fullFleet(1);
    expect(await registry.claimSlot('dead', 3_000)).toBeUndefined();
    expect(await registry.claimSlot('alive', 30_000)).toBeUndefined();
    h.clock.advance(5_000);
    await registry.releaseSlot('busy-0');
    expect(await holders(registry, ['dead', 'alive'])).toEqual(['alive']);
    // The lapsed job may still ask later: it queues again, behind everyone.
    expect(await registry.claimSlot('dead', 3_000)).toBeUndefined();
  });

  it('returns a slot granted to a job as it leaves the list, and leaves no place behind', async () => {
    const { registry } = await fullFleet(1);
    expect(await registry.claimSlot('w1', 30_000)).toBeUndefined();
    expect(await registry.claimSlot('w2', 30_000)).toBeUndefined();
    await registry.releaseSlot('busy-0');
    expect(await registry.leaveWaiting('w1')).toEqual({
      instanceId: 'i-1',
      slot: 0,
      existing: false,
      granted: true,
    });
    expect(await registry.leaveWaiting('w2')).toBeUndefined();
    await registry.releaseSlot('w1');
    // w2 left: the freed slot stays open for whoever asks next.
    expect(await holders(registry, ['w2'])).toEqual([]);
    expect(await registry.claimSlot('next')).toEqual({
      instanceId: 'i-1',
      slot: 0,
      existing: false,
    });
  });

  it('wakes acquireSlot waiters by grant, in the order they began waiting', async () => {
    const { registry } = await fullFleet(1);
    const grants = new SlotGrantWatch({
      redis: h.raw(),
      channels: [registry.grantChannel],
      logger: pino({ level: 'silent' }),
    });
    await grants.start();
    try {
      // Time never moves: only a grant can end these waits (a poll would hang the test).
      const clock = new ManualClock(0);
      const order: string[] = [];
      const jobs = ['a1', 'a2', 'a3'];
      const acquired = [];
      for (const jobId of jobs) {
        acquired.push(
          acquireSlot({
            registry,
            jobId,
            clock,
            timeoutMs: 600_000,
            pollIntervalMs: 60_000,
            grants,
          }).then(held => {
            order.push(jobId);
            return held;
          }),
        );
        // Each joins the list before the next starts, so arrival order is known.
        while (clock.pendingSleeps < acquired.length) {
          await new Promise(resolve => setImmediate(resolve));
        }
      }
      await registry.releaseSlot('busy-0');
      await acquired[0];
      await registry.releaseSlot('a1');
      await acquired[1];
      await registry.releaseSlot('a2');
      const last = await acquired[2];
      expect(order).toEqual(['a1', 'a2', 'a3']);
      expect(last).toEqual({ instanceId: 'i-1', slot: 0, existing: false, granted: true });
      expect(clock.now()).toBe(0);
    } finally {
      await grants.close();
    }
  });
});
