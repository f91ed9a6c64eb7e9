import type { RemovalSettings } from './choose-removals';
import { chooseRemovals } from './choose-removals';
import { instance } from './testing/fleet';
import type { InstanceView } from './types';

const minuteMs = 60_000;
const nowMs = 100 * minuteMs;

/** A plan of 100 counted instances that lets `removable` go, `overCap` of them before idle_time. */
const budget = (removable: number, overCap = 0) => ({
  instanceCount: 100,
  wantedInstances: 100 - removable,
  maxInstanceCount: overCap > 0 ? 100 - overCap : null,
});

function settings(parts: Partial<RemovalSettings> = {}): RemovalSettings {
  return {
    idleTimeMs: 20 * minuteMs,
    maxUseCount: null,
    failureThreshold: 3,
    creationTimeoutMs: null,
    plan: budget(10),
    ...parts,
  };
}

/** A ready instance idle since `idleSinceMinute` (by its last job's end). */
const idleSince = (id: string, idleSinceMinute: number, parts: Partial<InstanceView> = {}) =>
  instance(id, { useCount: 1, lastJobEndedAtMs: idleSinceMinute * minuteMs, ...parts });

type Case = [string, InstanceView[], Partial<RemovalSettings>, [string, string][]];

describe('chooseRemovals', () => {
  it.each<Case>([
    ['idle past idle_time', [idleSince('a', 79)], {}, [['a', 'idle_timeout']]],
    ['idle exactly idle_time', [idleSince('a', 80)], {}, [['a', 'idle_timeout']]],
    ['idle just under idle_time', [idleSince('a', 80.01)], {}, []],
    [
      'idle time counts from the last job end, not from ready',
      [idleSince('a', 85, { readyAtMs: 0 })],
      {},
      [],
    ],
    [
      'never used: idle time counts from ready',
      [instance('a', { readyAtMs: 70 * minuteMs }), instance('b', { readyAtMs: 90 * minuteMs })],
      {},
      [['a', 'idle_timeout']],
    ],
    [
      'a busy instance is never removed for idleness',
      [idleSince('a', 0, { acquiredSlots: 1 })],
      {},
      [],
    ],
    [
      '(our choice, §10 gap) oldest idle first, within the plan budget',
      [idleSince('new', 70), idleSince('old', 10), idleSince('mid', 40)],
      { plan: budget(2, 0) },
      [
        ['old', 'idle_timeout'],
        ['mid', 'idle_timeout'],
      ],
    ],
    [
      'no budget: the idle target keeps expired instances',
      [idleSince('a', 0), idleSince('b', 0)],
      { plan: budget(0, 0) },
      [],
    ],
    [
      'excess beyond a lowered cap goes before idle_time, oldest idle first',
      [idleSince('a', 95), idleSince('b', 90), idleSince('c', 99)],
      { plan: budget(2, 2) },
      [
        ['b', 'excess'],
        ['a', 'excess'],
      ],
    ],
    [
      'an expired idle instance is named idle_timeout even when over the cap',
      [idleSince('a', 95), idleSince('b', 10)],
      { plan: budget(1, 1) },
      [['b', 'idle_timeout']],
    ],
    [
      'excess never takes a busy instance',
      [idleSince('busy', 0, { acquiredSlots: 1 }), idleSince('idle', 99)],
      { plan: budget(2, 2) },
      [['idle', 'excess']],
    ],
    [
      'max_use_count reached with no claims: removed at once, outside the budget',
      [idleSince('a', 99.9, { useCount: 3 })],
      { maxUseCount: 3, plan: budget(0, 0) },
      [['a', 'max_use_count']],
    ],
    [
      'retired by an executor for disk pressure, no claims: removed at once as disk_pressure',
      [idleSince('a', 99.9, { useCount: 1, retiredFor: 'disk_pressure' })],
      { maxUseCount: 20, plan: budget(0, 0) },
      [['a', 'disk_pressure']],
    ],
    [
      'retired for disk pressure while a job runs: kept until it ends',
      [idleSince('a', 0, { useCount: 1, acquiredSlots: 1, retiredFor: 'disk_pressure' })],
      { maxUseCount: 20 },
      [],
    ],
    [
      'max_use_count reached while a job runs: kept until it ends',
      [idleSince('a', 0, { useCount: 3, acquiredSlots: 1 })],
      { maxUseCount: 3 },
      [],
    ],
    [
      'unhealthy at failure_threshold with no claims',
      [
        idleSince('a', 99, { consecutiveHealthFailures: 3 }),
        idleSince('b', 99, { consecutiveHealthFailures: 2 }),
      ],
      { plan: budget(0, 0) },
      [['a', 'unhealthy']],
    ],
    [
      'unhealthy but busy: kept',
      [idleSince('a', 99, { consecutiveHealthFailures: 9, acquiredSlots: 1 })],
      {},
      [],
    ],
    [
      'creating past the creation timeout',
      [
        instance('late', { state: 'creating', readyAtMs: null, createdAtMs: 90 * minuteMs }),
        instance('young', { state: 'creating', readyAtMs: null, createdAtMs: 95.5 * minuteMs }),
      ],
      { creationTimeoutMs: 5 * minuteMs },
      [['late', 'creation_timeout']],
    ],
    [
      'no creation timeout set: creating instances stay',
      [instance('late', { state: 'creating', readyAtMs: null, createdAtMs: 0 })],
      {},
      [],
    ],
    [
      'draining and deleting instances are already going',
      [idleSince('a', 0, { state: 'draining' }), idleSince('b', 0, { state: 'deleting' })],
      {},
      [],
    ],
  ])('%s', (_label, instances, parts, expected) => {
    const removals = chooseRemovals(instances, nowMs, settings(parts));
    expect(removals.map(removal => [removal.id, removal.reason])).toEqual(expected);
  });

  it('counts retired removals against the over-cap budget', () => {
    // 5 counted, cap 3: the retired one and one idle one bring it to 3, not a third removal.
    const fleet = [
      idleSince('retired', 99, { useCount: 2 }),
      idleSince('a', 98),
      idleSince('b', 97),
    ];
    const plan = { instanceCount: 5, wantedInstances: 4, maxInstanceCount: 3 };
    const removals = chooseRemovals(fleet, nowMs, settings({ maxUseCount: 2, plan }));
    expect(removals.map(removal => [removal.id, removal.reason])).toEqual([
      ['retired', 'max_use_count'],
      ['b', 'excess'],
    ]);
  });

  it('reports how long each removed instance was idle', () => {
    const [removal] = chooseRemovals([idleSince('a', 70)], nowMs, settings());
    expect(removal).toEqual({ id: 'a', reason: 'idle_timeout', idleForMs: 30 * minuteMs });
  });
});
