// The maintained free-slot counters against real Redis: after random sequences of every script
// that changes slots or states, they equal the snapshot's full recount of the records.
import { RegistryError } from '@taskfleet/registry';
import type { Registry } from '@taskfleet/registry';

import { registryHarness } from './registry-harness';

const h = registryHarness('counters');
afterAll(() => h.cleanup());

const sequences = 12;
const stepsPerSequence = 80;
const instanceIds = ['i-a', 'i-b', 'i-c', 'i-d'];
const jobIds = ['1', '2', '3', '4', '5', '6', '7', '8'];

/** A small seeded generator (mulberry32), so a failing sequence can be replayed by its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Step = (registry: Registry, token: number) => Promise<unknown>;

function steps(pick: <T>(items: readonly T[]) => T, next: () => number): Step[] {
  const instance = (): string => pick(instanceIds);
  const job = (): string => pick(jobIds);
  return [
    (r, t) =>
      r.registerInstance(t, {
        instanceId: instance(),
        state: pick(['creating', 'booting', 'draining'] as const),
        capacityPerInstance: 1 + Math.floor(next() * 3),
        maxUseCount: pick([0, 0, 1, 2]),
        reason: 'test',
      }),
    (r, t) => r.markBooting(instance(), t),
    (r, t) => r.markReady(instance(), t),
    (r, t) => r.markReady(instance(), t),
    (r, t) => r.markUnhealthy(instance(), t, 'test'),
    (r, t) => r.recordFailure(instance(), t, 2, 'test'),
    r => r.claimSlot(job()),
    r => r.claimSlot(job(), 30_000),
    r => r.claimSlot(job(), 30_000),
    r => r.releaseSlot(job()),
    r => r.releaseSlot(job()),
    r => r.leaveWaiting(job()),
    r => r.retireInstance(instance(), 'disk_pressure'),
    (r, t) => r.beginDrain(instance(), t, { reason: 'test' }),
    (r, t) => r.recordTerminationIntent(instance(), t, 'test'),
    (r, t) => r.markDeleting(instance(), t, 'test'),
    (r, t) => r.clearInstance(instance(), t),
    (r, t) => r.ledger.markGone(instance(), t, 'spot'),
    r => r.health.reportLost(instance(), job(), 'test'),
    async r => {
      const reserved = await r.reserve({
        ownerId: 'poller',
        ttlMs: 10_000,
        mode: 'potential',
        maxInstances: 4,
        capacityPerInstance: 3,
      });
      if (reserved.reserved) {
        await r.convertReservation(reserved.reservationId, job());
      }
    },
    () => {
      h.clock.advance(Math.floor(next() * 20_000));
      return Promise.resolve();
    },
  ];
}

describe('free-slot counters', () => {
  it('equal a full recount after random operation sequences', async () => {
    for (let seed = 1; seed <= sequences; seed += 1) {
      const registry = h.open(`runner-${seed}`);
      const lease = await registry.acquireLease('scaler', 3_600_000);
      if (!lease.acquired) {
        throw new Error('lease not acquired');
      }
      const next = random(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
      const all = steps(pick, next);
      for (let step = 0; step < stepsPerSequence; step += 1) {
        await pick(all)(registry, lease.fencingToken).catch((error: unknown) => {
          // Refused transitions are expected outcomes of a random sequence.
          if (!(error instanceof RegistryError) || error.code === 'redis_unavailable') {
            throw error;
          }
        });
        // Read before the snapshot: the snapshot repairs counters it finds wrong.
        const counted = await registry.freeSlotCounts();
        const recount = await registry.snapshot();
        expect({ seed, step, ...counted }).toEqual({
          seed,
          step,
          idleReadySlots: recount.idleReadySlots,
          unavailableSlots: recount.unavailableSlots,
        });
      }
    }
  });

  it('are repaired by the snapshot after a write that bypassed the scripts', async () => {
    const registry = h.open('runner-repair');
    const lease = await registry.acquireLease('scaler', 600_000);
    if (!lease.acquired) {
      throw new Error('lease not acquired');
    }
    await registry.registerInstance(lease.fencingToken, {
      instanceId: 'i-1',
      state: 'booting',
      capacityPerInstance: 4,
      maxUseCount: 0,
    });
    await registry.markReady('i-1', lease.fencingToken);
    expect(await registry.freeSlotCounts()).toEqual({ idleReadySlots: 4, unavailableSlots: 0 });
    await h.raw().del(`${registry.baseKey}:free-slots`);
    expect(await registry.freeSlotCounts()).toEqual({ idleReadySlots: 0, unavailableSlots: 0 });
    expect((await registry.snapshot()).idleReadySlots).toBe(4);
    expect(await registry.freeSlotCounts()).toEqual({ idleReadySlots: 4, unavailableSlots: 0 });
  });
});
