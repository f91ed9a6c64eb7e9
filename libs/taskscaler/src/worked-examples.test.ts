import { desiredInstances } from './desired-instances';
import { countFleet } from './fleet-counts';
import { chooseRemovals } from './choose-removals';
import { activePolicy } from './policy/active-policy';
import { demand, instance } from './testing/fleet';
import type { ScenarioSettings } from './testing/plan';
import { planFor, removalsFor } from './testing/plan';
import type { InstanceView, SchedulePolicy } from './types';

// Every worked example of reference/autoscaler.md §3.4 (the documented acceptance tests), run the
// way the scaler runs the planner: count, plan, choose removals, act, plan again.

const minuteMs = 60_000;

/** `count` ready instances of capacity-many slots, `busy` slots claimed in order, idle since 0. */
function readyFleet(count: number, capacity: number, busy: number): InstanceView[] {
  return Array.from({ length: count }, (_, index) => {
    const claimed = Math.max(0, Math.min(capacity, busy - index * capacity));
    return instance(`i-${index}`, { acquiredSlots: claimed, useCount: claimed });
  });
}

describe('§3.4 example 1: capacity 1, max_use_count 1, idle_count 5, idle_time 20m, max 10', () => {
  const s: ScenarioSettings = {
    capacityPerInstance: 1,
    maxInstanceCount: 10,
    maxUseCount: 1,
    idleCount: 5,
    idleTimeMs: 20 * minuteMs,
  };

  it('gives each of 12 jobs a fresh instance, deletes it after its job and keeps 5 idle', () => {
    let fleet: InstanceView[] = [];
    let created = 0;
    let jobsRun = 0;
    const usesAtClaim: number[] = [];
    for (let minute = 0; minute < 60; minute += 1) {
      const nowMs = minute * minuteMs;
      // The cloud: last tick's creations are ready; draining ones are gone.
      fleet = fleet
        .filter(i => i.state !== 'draining')
        .map(i => (i.state === 'creating' ? { ...i, state: 'ready', readyAtMs: nowMs } : i));
      // Jobs: a running one ends after a minute; from minute 10 one job arrives every 4 minutes.
      fleet = fleet.map(i =>
        i.acquiredSlots > 0 ? { ...i, acquiredSlots: 0, lastJobEndedAtMs: nowMs } : i,
      );
      if (minute >= 10 && minute % 4 === 0 && jobsRun < 12) {
        const free = fleet.find(i => i.state === 'ready' && i.useCount === 0);
        expect(free).toBeDefined();
        usesAtClaim.push(free?.useCount ?? -1);
        fleet = fleet.map(i => (i === free ? { ...i, acquiredSlots: 1, useCount: 1 } : i));
        jobsRun += 1;
      }
      const plan = planFor(fleet, demand(), s);
      const removed = new Set(removalsFor(fleet, plan, nowMs, s).map(r => r.id));
      fleet = fleet.map(i => (removed.has(i.id) ? { ...i, state: 'draining' } : i));
      for (let n = 0; n < plan.toCreate; n += 1) {
        fleet.push(instance(`n-${created++}`, { state: 'creating', readyAtMs: null }));
      }
      expect(fleet.length).toBeLessThanOrEqual(10);
    }
    expect(jobsRun).toBe(12);
    expect(usesAtClaim.every(uses => uses === 0)).toBe(true);
    // Five from the start plus one replacement per job, and no more: no churn.
    expect(created).toBe(5 + 12);
    const idle = fleet.filter(i => i.state === 'ready' && i.acquiredSlots === 0);
    expect(idle).toHaveLength(5);
    expect(idle.every(i => i.useCount === 0)).toBe(true);
  });

  it('removes a used instance at once (max_use_count) and keeps the 5 idle past idle_time', () => {
    const used = instance('used', { useCount: 1, lastJobEndedAtMs: 0 });
    const idle = ['a', 'b', 'c', 'd', 'e'].map(id => instance(id));
    const fleet = [used, ...idle];
    const plan = planFor(fleet, demand(), s);
    const at = 3 * 60 * minuteMs;
    expect(removalsFor(fleet, plan, at, s).map(r => [r.id, r.reason])).toEqual([
      ['used', 'max_use_count'],
    ]);
  });

  it('lets idle instances beyond the 5 go only once idle for 20 minutes', () => {
    const fleet = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map(id => instance(id));
    const plan = planFor(fleet, demand(), s);
    expect(plan).toMatchObject({ targetInstances: 5, removableCount: 2 });
    expect(removalsFor(fleet, plan, 20 * minuteMs - 1, s)).toEqual([]);
    expect(removalsFor(fleet, plan, 20 * minuteMs, s)).toHaveLength(2);
  });
});

describe('§3.4 example 2: capacity 5, unlimited use, idle_count 5', () => {
  const s: ScenarioSettings = {
    capacityPerInstance: 5,
    maxInstanceCount: null,
    maxUseCount: null,
    idleCount: 5,
    idleTimeMs: 20 * minuteMs,
  };

  it.each([
    // [instances, busy slots, free slots, instances to create]
    [0, 0, 0, 1],
    [1, 0, 5, 0],
    [1, 1, 4, 1],
    [1, 5, 0, 1],
    [2, 5, 5, 0],
    [2, 6, 4, 1],
    [2, 10, 0, 1],
    [3, 10, 5, 0],
  ])('%i instances, %i busy slots (%i free): create %i', (count, busy, _free, create) => {
    const plan = planFor(readyFleet(count, 5, busy), demand(), s);
    expect(plan.toCreate).toBe(create);
  });

  it('keeps an idle instance beyond the target for at least 20 minutes', () => {
    const fleet = readyFleet(3, 5, 0);
    const plan = planFor(fleet, demand(), s);
    expect(plan).toMatchObject({ targetInstances: 1, removableCount: 2 });
    expect(removalsFor(fleet, plan, 20 * minuteMs - 1, s)).toEqual([]);
    expect(removalsFor(fleet, plan, 20 * minuteMs, s)).toHaveLength(2);
  });
});

describe('§3.4 example 3: capacity 2, idle_count 2, idle_time 24h (macOS hosts)', () => {
  const s: ScenarioSettings = {
    capacityPerInstance: 2,
    maxInstanceCount: null,
    maxUseCount: null,
    idleCount: 2,
    idleTimeMs: 24 * 60 * minuteMs,
  };

  it.each([
    // [instances, busy slots, instances to create]
    [0, 0, 1],
    [1, 0, 0],
    [1, 1, 1],
    [2, 2, 0],
    [2, 3, 1],
    [3, 4, 0],
    [3, 5, 1],
  ])('%i instances, %i busy slots: create %i', (count, busy, create) => {
    expect(planFor(readyFleet(count, 2, busy), demand(), s).toCreate).toBe(create);
  });

  it('keeps an extra idle host for a whole day, then lets it go', () => {
    const fleet = readyFleet(3, 2, 0);
    const plan = planFor(fleet, demand(), s);
    expect(plan.removableCount).toBe(2);
    expect(removalsFor(fleet, plan, 24 * 60 * minuteMs - 1, s)).toEqual([]);
    expect(removalsFor(fleet, plan, 24 * 60 * minuteMs, s)).toHaveLength(2);
  });
});

describe('§3.4 example 4: idle_count 0 always, idle_count 1 / 30m on weekdays 8-15', () => {
  const base = { scaleFactor: 0, scaleFactorLimit: null, timezone: 'Europe/Berlin' };
  const policies: SchedulePolicy[] = [
    {
      ...base,
      periods: ['* * * * *'],
      idleCount: 0,
      idleTimeMs: 30 * minuteMs,
      preemptiveMode: false,
    },
    {
      ...base,
      periods: ['* 8-15 * * mon-fri'],
      idleCount: 1,
      idleTimeMs: 30 * minuteMs,
      preemptiveMode: true,
    },
  ];

  function tick(iso: string, fleet: InstanceView[]) {
    const nowMs = Date.parse(iso);
    const policy = activePolicy(policies, nowMs);
    const plan = desiredInstances({
      demand: demand(),
      fleet: countFleet(fleet, { maxUseCount: null, failureThreshold: 3 }),
      policy,
      capacityPerInstance: 1,
      maxInstanceCount: 10,
    });
    const removals = chooseRemovals(fleet, nowMs, {
      idleTimeMs: policy.idleTimeMs,
      maxUseCount: null,
      failureThreshold: 3,
      creationTimeoutMs: null,
      plan,
    });
    return { policy, plan, removed: removals.map(r => r.id) };
  }

  const readyAt = (iso: string) => [instance('i-1', { readyAtMs: Date.parse(iso) })];

  it.each([
    ['Monday 07:59 local, nothing: nothing', '2026-12-07T06:59:00Z', [], 0, 0, []],
    ['Monday 08:00 local, nothing: one idle slot', '2026-12-07T07:00:00Z', [], 1, 1, []],
    [
      'Monday 15:59 local, one idle since 08:01: kept (needed for idle_count)',
      '2026-12-07T14:59:00Z',
      readyAt('2026-12-07T07:01:00Z'),
      1,
      0,
      [],
    ],
    [
      'Monday 16:00 local, idle since 08:01: removed (idle_time long past)',
      '2026-12-07T15:00:00Z',
      readyAt('2026-12-07T07:01:00Z'),
      0,
      0,
      ['i-1'],
    ],
    [
      'Monday 16:00 local, last job ended 15:45: kept until 16:15',
      '2026-12-07T15:00:00Z',
      [instance('i-1', { readyAtMs: 0, lastJobEndedAtMs: Date.parse('2026-12-07T14:45:00Z') })],
      0,
      0,
      [],
    ],
    ['Saturday 10:00 local, nothing: nothing', '2026-12-05T09:00:00Z', [], 0, 0, []],
  ] as const)('%s', (_label, iso, fleet, target, create, removed) => {
    const result = tick(iso, [...fleet]);
    expect(result.plan.targetInstances).toBe(target);
    expect(result.plan.toCreate).toBe(create);
    expect(result.removed).toEqual(removed);
  });
});
