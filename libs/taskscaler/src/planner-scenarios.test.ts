import { chooseRemovals } from './choose-removals';
import type { Plan } from './desired-instances';
import { desiredInstances } from './desired-instances';
import { countFleet } from './fleet-counts';
import { activePolicy } from './policy/active-policy';
import { demand, instance } from './testing/fleet';
import type { ScenarioSettings as Settings } from './testing/plan';
import { planFor, removalsFor } from './testing/plan';
import { TokenBucket } from './token-bucket';
import type { InstanceView, SchedulePolicy } from './types';

// Scenarios that run the planner the way the scaler does: count, plan, choose, act, plan again.

const minuteMs = 60_000;

/** Seeded generator so the property cases are the same on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

function randomFleet(next: () => number, capacity: number): InstanceView[] {
  const states = ['creating', 'ready', 'ready', 'ready', 'draining', 'deleting'] as const;
  return Array.from({ length: Math.floor(next() * 8) }, (_, index) => {
    const state = states[Math.floor(next() * states.length)] ?? 'ready';
    const busy = state === 'creating' || next() < 0.5 ? 0 : Math.floor(next() * (capacity + 1));
    return instance(`i-${index}`, {
      state,
      acquiredSlots: busy,
      useCount: Math.floor(next() * 4),
      consecutiveHealthFailures: next() < 0.1 ? 3 : 0,
      readyAtMs: state === 'creating' ? null : 0,
      lastJobEndedAtMs: next() < 0.5 ? null : Math.floor(next() * 60) * minuteMs,
    });
  });
}

describe('invariant 8: removing an idle instance never causes a replacement by itself', () => {
  it('holds for 2000 seeded random fleets, while draining and after the instance is gone', () => {
    const next = random(42);
    let removalsSeen = 0;
    for (let round = 0; round < 2000; round += 1) {
      const capacity = 1 + Math.floor(next() * 3);
      const s: Settings = {
        capacityPerInstance: capacity,
        maxInstanceCount: next() < 0.5 ? null : 1 + Math.floor(next() * 8),
        maxUseCount: next() < 0.5 ? null : 1 + Math.floor(next() * 3),
        idleCount: Math.floor(next() * 4),
        idleTimeMs: 20 * minuteMs,
      };
      const wants = demand({ queued: Math.floor(next() * 3), reserved: Math.floor(next() * 5) });
      const fleet = randomFleet(next, capacity);
      const before = planFor(fleet, wants, s);
      const removed = new Set(removalsFor(fleet, before, 60 * minuteMs, s).map(r => r.id));
      removalsSeen += removed.size;
      const draining = fleet.map(i =>
        removed.has(i.id) ? { ...i, state: 'draining' as const } : i,
      );
      const gone = fleet.filter(i => !removed.has(i.id));
      // Uncapped need. Removals change it only when the fleet is over a lowered cap: then the
      // cap, not the removal, decides, and creation still waits for room.
      const need = (plan: Plan) => Math.max(0, plan.wantedInstances - plan.instanceCount);
      for (const after of [planFor(draining, wants, s), planFor(gone, wants, s)]) {
        const seen = { fleet, s, wants, removed: [...removed], before, after };
        expect(after.targetInstances).toBeLessThanOrEqual(before.targetInstances);
        if (before.overCapCount > 0) {
          continue;
        }
        expect({ ...seen, rise: need(after) > need(before) }).toMatchObject({ rise: false });
        expect(after.toCreate).toBeLessThanOrEqual(need(before));
      }
      if (before.overCapCount > 0) {
        expect(planFor(draining, wants, s).toCreate).toBe(0);
      }
      // Invariant 4 on the same fleets: what the plan creates never takes the total over the cap.
      if (s.maxInstanceCount !== null && before.totalInstanceCount <= s.maxInstanceCount) {
        expect(before.totalInstanceCount + before.toCreate).toBeLessThanOrEqual(s.maxInstanceCount);
      }
    }
    expect(removalsSeen).toBeGreaterThan(500);
  });

  it.each([
    ['idle_count 0, capacity 2, one idle instance', 2, 0, [instance('a')]],
    ['idle_count 1, capacity 1, two idle instances', 1, 1, [instance('a'), instance('b')]],
    ['idle_count 3, capacity 2, three idle', 2, 3, [instance('a'), instance('b'), instance('c')]],
    [
      'idle_count 2, capacity 4, one busy, one idle',
      4,
      2,
      [instance('a', { acquiredSlots: 2 }), instance('b')],
    ],
  ])(
    '%s: the removal happens and the next plan creates nothing',
    (_label, capacity, idleCount, fleet) => {
      const s = {
        capacityPerInstance: capacity,
        maxInstanceCount: 10,
        maxUseCount: null,
        idleCount,
        idleTimeMs: 0,
      };
      const before = planFor(fleet, demand(), s);
      const removed = removalsFor(fleet, before, 0, s);
      expect(removed.length).toBe(1);
      const rest = fleet.filter(i => i.id !== removed[0]?.id);
      expect(planFor(rest, demand(), s)).toMatchObject({ toCreate: 0, removableCount: 0 });
    },
  );
});

describe('B04: max_use_count=1 and idle_count=0 does not churn', () => {
  it('runs one job on one fresh instance, removes it, and then keeps zero for 3 hours', () => {
    const s = {
      capacityPerInstance: 1,
      maxInstanceCount: 10,
      maxUseCount: 1,
      idleCount: 0,
      idleTimeMs: 120 * minuteMs,
    };
    expect(planFor([], demand({ queued: 1 }), s).toCreate).toBe(1);
    const running = [instance('i-1', { acquiredSlots: 1, useCount: 1 })];
    expect(planFor(running, demand(), s).toCreate).toBe(0);
    const done = [instance('i-1', { useCount: 1, lastJobEndedAtMs: 10 * minuteMs })];
    const plan = planFor(done, demand(), s);
    expect(plan.toCreate).toBe(0);
    expect(removalsFor(done, plan, 10 * minuteMs, s)).toEqual([
      { id: 'i-1', reason: 'max_use_count', idleForMs: 0 },
    ]);
    const draining = [{ ...done[0]!, state: 'draining' as const }];
    for (const fleet of [draining, []]) {
      for (let minute = 10; minute <= 190; minute += 1) {
        // Open polls hold reservations all the while (B03); they are not demand.
        expect(planFor(fleet, demand({ reserved: 4 }), s).toCreate).toBe(0);
      }
    }
  });
});

describe('B41 ensure semantics: idle capacity pre-warmed and replaced in working hours, none outside', () => {
  const policies: SchedulePolicy[] = [
    {
      periods: ['* * * * *'],
      timezone: 'Europe/Amsterdam',
      idleCount: 0,
      idleTimeMs: 30 * minuteMs,
      scaleFactor: 0,
      scaleFactorLimit: null,
      preemptiveMode: false,
    },
    {
      periods: ['* 8-15 * * mon-fri'],
      timezone: 'Europe/Amsterdam',
      idleCount: 3,
      idleTimeMs: 30 * minuteMs,
      scaleFactor: 0,
      scaleFactorLimit: null,
      preemptiveMode: true,
    },
  ];
  const plan = (iso: string, fleet: InstanceView[]) => {
    const active = activePolicy(policies, Date.parse(iso));
    return desiredInstances({
      demand: demand(),
      fleet: countFleet(fleet, { maxUseCount: null, failureThreshold: 3 }),
      policy: active,
      capacityPerInstance: 1,
      maxInstanceCount: 10,
    });
  };
  const three = ['a', 'b', 'c'].map(id =>
    instance(id, { readyAtMs: Date.parse('2026-12-07T07:05:00Z') }),
  );

  it.each([
    ['Monday 08:00 with nothing: pre-warm 3', '2026-12-07T07:00:00Z', [], { toCreate: 3 }],
    [
      'Monday 10:00, one idle terminated outside: replace it',
      '2026-12-07T09:00:00Z',
      three.slice(1),
      { toCreate: 1 },
    ],
    [
      'Monday 10:00 with 3 idle: steady',
      '2026-12-07T09:00:00Z',
      three,
      { toCreate: 0, removableCount: 0 },
    ],
    [
      'Monday 16:00: all 3 removable',
      '2026-12-07T15:00:00Z',
      three,
      { toCreate: 0, removableCount: 3 },
    ],
    [
      'Saturday 10:00 with nothing: nothing',
      '2026-12-05T09:00:00Z',
      [],
      { toCreate: 0, targetInstances: 0 },
    ],
  ])('%s', (_label, iso, fleet, expected) => {
    expect(plan(iso, fleet)).toMatchObject(expected);
  });

  it('removes the idle instances at 16:00 only once idle_time has passed', () => {
    const evening = plan('2026-12-07T15:00:00Z', three);
    const settings = {
      idleTimeMs: 30 * minuteMs,
      maxUseCount: null,
      failureThreshold: 3,
      creationTimeoutMs: null,
      plan: evening,
    };
    // Idle since 08:05 local, so at 16:00 they are long past 30 minutes.
    expect(chooseRemovals(three, Date.parse('2026-12-07T15:00:00Z'), settings)).toHaveLength(3);
    const recent = three.map(i => ({ ...i, lastJobEndedAtMs: Date.parse('2026-12-07T14:50:00Z') }));
    expect(chooseRemovals(recent, Date.parse('2026-12-07T15:00:00Z'), settings)).toHaveLength(0);
    expect(chooseRemovals(recent, Date.parse('2026-12-07T15:20:00Z'), settings)).toHaveLength(3);
  });
});

describe('B01: an instance going deleting with a running job', () => {
  it('launches nothing, and the target falls once its job ends and it is gone', () => {
    const s = {
      capacityPerInstance: 1,
      maxInstanceCount: 5,
      maxUseCount: null,
      idleCount: 0,
      idleTimeMs: 0,
    };
    const busy = (id: string) => instance(id, { acquiredSlots: 1, useCount: 1 });
    const before = planFor([busy('i-1'), busy('i-2'), busy('i-3')], demand(), s);
    expect(before).toMatchObject({ targetInstances: 3, toCreate: 0 });
    const terminating = [busy('i-1'), { ...busy('i-2'), state: 'deleting' as const }, busy('i-3')];
    expect(planFor(terminating, demand(), s)).toMatchObject({
      toCreate: 0,
      totalInstanceCount: 3,
      acquiredOnLeaving: 1,
    });
    expect(planFor([busy('i-1'), busy('i-3')], demand(), s)).toMatchObject({
      targetInstances: 2,
      toCreate: 0,
    });
  });
});

describe('B36: one cap for the idle top-up and the job-driven path', () => {
  it('never has more than 100 instances in any state under a burst of 500 jobs with idle 40', () => {
    const s = {
      capacityPerInstance: 1,
      maxInstanceCount: 100,
      maxUseCount: 1,
      idleCount: 40,
      idleTimeMs: 5 * minuteMs,
    };
    let fleet: InstanceView[] = [];
    let queued = 500;
    let bucket = TokenBucket.create(10, 100, 0);
    let created = 0;
    let finished = 0;
    let peak = 0;
    for (let tick = 0; tick < 200; tick += 1) {
      const nowMs = tick * 10_000;
      // The cloud: deleting ones vanish, draining ones start deleting, creating ones become ready.
      fleet = fleet.filter(i => i.state !== 'deleting');
      fleet = fleet.map(i => (i.state === 'draining' ? { ...i, state: 'deleting' } : i));
      fleet = fleet.map(i =>
        i.state === 'creating' ? { ...i, state: 'ready', readyAtMs: nowMs } : i,
      );
      // Jobs: each running one ends after a tick; queued ones claim free fresh instances.
      fleet = fleet.map(i => {
        if (i.state === 'ready' && i.acquiredSlots > 0) {
          finished += 1;
          return { ...i, acquiredSlots: 0, lastJobEndedAtMs: nowMs };
        }
        if (i.state === 'ready' && i.useCount === 0 && queued > 0) {
          queued -= 1;
          return { ...i, acquiredSlots: 1, useCount: 1 };
        }
        return i;
      });
      const plan = planFor(fleet, demand({ queued }), s);
      const removed = new Set(removalsFor(fleet, plan, nowMs, s).map(r => r.id));
      fleet = fleet.map(i => (removed.has(i.id) ? { ...i, state: 'draining' } : i));
      const take = bucket.take(plan.toCreate, nowMs);
      bucket = take.bucket;
      for (let n = 0; n < take.granted; n += 1) {
        fleet.push(
          instance(`i-${created}`, { state: 'creating', readyAtMs: null, createdAtMs: nowMs }),
        );
        created += 1;
      }
      expect({ tick, total: fleet.length }).toEqual({ tick, total: Math.min(fleet.length, 100) });
      peak = Math.max(peak, fleet.length);
    }
    // The burst did push against the cap, and every job still ran.
    expect(peak).toBe(100);
    expect(finished).toBe(500);
    expect(fleet.filter(i => i.state === 'ready' && i.acquiredSlots === 0)).toHaveLength(40);
  });
});
