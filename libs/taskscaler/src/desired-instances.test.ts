import type { PlanInput } from './desired-instances';
import { desiredInstances } from './desired-instances';
import { countFleet } from './fleet-counts';
import { demand, fleet, instance, slots } from './testing/fleet';

type Case = [string, Partial<PlanInput>, Record<string, unknown>];

const base: PlanInput = {
  demand: demand(),
  fleet: fleet(),
  policy: { idleCount: 0, scaleFactor: 0, scaleFactorLimit: null },
  capacityPerInstance: 1,
  maxInstanceCount: null,
};

const policy = (idleCount: number, scaleFactor = 0, scaleFactorLimit: number | null = null) => ({
  idleCount,
  scaleFactor,
  scaleFactorLimit,
});

function plan(input: Partial<PlanInput>) {
  return desiredInstances({ ...base, ...input });
}

describe('desiredInstances', () => {
  it.each<Case>([
    // Idle means idle (#37643): zero demand and idle_count 0 is exactly zero, at any capacity.
    ['nothing at all', {}, { targetInstances: 0, toCreate: 0, removableCount: 0 }],
    [
      'one idle instance of capacity 2, idle_count 0',
      { capacityPerInstance: 2, fleet: fleet({ available: slots(1) }) },
      { wantedSlots: 0, targetInstances: 0, toCreate: 0, removableCount: 1 },
    ],
    [
      'three idle instances of capacity 4, idle_count 0',
      { capacityPerInstance: 4, fleet: fleet({ available: slots(3) }) },
      { targetInstances: 0, removableCount: 3 },
    ],
    // §3.4 example 2: capacity 5, idle_count 5.
    [
      'capacity 5, idle 5, empty fleet',
      { capacityPerInstance: 5, policy: policy(5) },
      { targetInstances: 1, toCreate: 1 },
    ],
    [
      'capacity 5, idle 5, one instance free',
      { capacityPerInstance: 5, policy: policy(5), fleet: fleet({ available: slots(1) }) },
      { targetInstances: 1, toCreate: 0, removableCount: 0 },
    ],
    [
      'capacity 5, idle 5, one job leaves 4 free: one more instance',
      { capacityPerInstance: 5, policy: policy(5), fleet: fleet({ available: slots(1, 1) }) },
      { wantedSlots: 6, targetInstances: 2, toCreate: 1 },
    ],
    [
      'capacity 5, idle 5, one job and one instance creating',
      {
        capacityPerInstance: 5,
        policy: policy(5),
        fleet: fleet({ creating: 1, available: slots(1, 1) }),
      },
      { targetInstances: 2, toCreate: 0 },
    ],
    // §3.4 example 3: capacity 2, idle_count 2 (macOS hosts).
    [
      'capacity 2, idle 2, one instance, no job',
      { capacityPerInstance: 2, policy: policy(2), fleet: fleet({ available: slots(1) }) },
      { targetInstances: 1, toCreate: 0 },
    ],
    [
      'capacity 2, idle 2, one job leaves 1 free: one more instance',
      { capacityPerInstance: 2, policy: policy(2), fleet: fleet({ available: slots(1, 1) }) },
      { targetInstances: 2, toCreate: 1 },
    ],
    [
      'capacity 2, idle 2, two instances with 2 jobs: 2 free, enough',
      { capacityPerInstance: 2, policy: policy(2), fleet: fleet({ available: slots(2, 2) }) },
      { targetInstances: 2, toCreate: 0 },
    ],
    [
      'capacity 2, idle 2, two instances with 3 jobs: one more',
      { capacityPerInstance: 2, policy: policy(2), fleet: fleet({ available: slots(2, 3) }) },
      { targetInstances: 3, toCreate: 1 },
    ],
    // scale_factor: idle_count is the minimum idle, scale_factor_limit the maximum.
    [
      '(reconstructed §3.3) idle target is max(idle_count, ceil(scale_factor × in use)): 0.5 over 10, idle 2',
      { policy: policy(2, 0.5), fleet: fleet({ available: slots(10, 10) }) },
      { scaleFactorSlots: 5, idleTargetSlots: 5, targetInstances: 15, toCreate: 5 },
    ],
    [
      '(reconstructed §3.3) scale_factor_limit caps the factor: 0.5 over 10, limit 3',
      { policy: policy(2, 0.5, 3), fleet: fleet({ available: slots(10, 10) }) },
      { scaleFactorSlots: 3, idleTargetSlots: 3, targetInstances: 13 },
    ],
    [
      '(reconstructed §3.3) scale_factor_limit below idle_count: idle_count wins',
      { policy: policy(4, 0.5, 3), fleet: fleet({ available: slots(10, 10) }) },
      { scaleFactorSlots: 3, idleTargetSlots: 4, targetInstances: 14 },
    ],
    [
      'scale factor 0.1 over 30 is 3, not 4 (float product)',
      { policy: policy(0, 0.1), fleet: fleet({ available: slots(30, 30) }) },
      { scaleFactorSlots: 3, targetInstances: 33 },
    ],
    [
      '(reconstructed §3.3, rounding unverified) scale factor rounds up: 0.25 over 3 is 1',
      { policy: policy(0, 0.25), demand: demand({ queued: 3 }) },
      { scaleFactorSlots: 1, targetInstances: 4 },
    ],
    [
      'scale factor over zero use adds nothing',
      { policy: policy(0, 2), fleet: fleet({ available: slots(2) }) },
      { scaleFactorSlots: 0, targetInstances: 0, removableCount: 2 },
    ],
    // Unavailable slots are never capacity.
    [
      'retired instance, 1 of 4 slots busy, 1 queued: the 3 free slots do not serve it',
      {
        capacityPerInstance: 4,
        demand: demand({ queued: 1 }),
        fleet: fleet({ retired: slots(1, 1) }),
      },
      { unavailableSlots: 3, wantedSlots: 5, targetInstances: 2, toCreate: 1 },
    ],
    [
      'unhealthy idle instance with idle 2 of capacity 2: a replacement is made',
      { capacityPerInstance: 2, policy: policy(2), fleet: fleet({ unhealthy: slots(1) }) },
      { unavailableSlots: 2, targetInstances: 2, toCreate: 1 },
    ],
    [
      'draining instance is no capacity: idle 1 needs a new one',
      { policy: policy(1), fleet: fleet({ draining: slots(1) }) },
      { instanceCount: 0, totalInstanceCount: 1, targetInstances: 1, toCreate: 1 },
    ],
    // B55: running jobs are demand too.
    [
      'B55 one running and one queued job on capacity 1',
      { demand: demand({ queued: 1 }), fleet: fleet({ available: slots(1, 1) }) },
      { inUseSlots: 2, targetInstances: 2, toCreate: 1 },
    ],
    [
      'pending (taken, unclaimed) jobs are demand',
      { demand: demand({ pending: 2, queued: 1 }) },
      { inUseSlots: 3, targetInstances: 3, toCreate: 3 },
    ],
    // B03 / invariant 6: an open poll is not demand.
    [
      '(our choice, deviates from §3.3 inUse) ten open reservations are not demand (B03, invariant 6)',
      { demand: demand({ reserved: 10 }) },
      { reserved: 10, inUseSlots: 0, targetInstances: 0, toCreate: 0 },
    ],
    // B10: the cap holds with idle_count 0.
    [
      'B10 ten queued, max 3',
      { maxInstanceCount: 3, demand: demand({ queued: 10 }) },
      { wantedInstances: 10, targetInstances: 3, toCreate: 3, limitedBy: 'max_instances' },
    ],
    [
      'B10 ten queued, max 3, three creating',
      { maxInstanceCount: 3, demand: demand({ queued: 10 }), fleet: fleet({ creating: 3 }) },
      { targetInstances: 3, toCreate: 0, removableCount: 0, limitedBy: 'max_instances' },
    ],
    // B01: deleting instances count against the cap, and their jobs are already served.
    [
      '(our choice for MR 44) B01 one of three busy instances goes deleting with its job: served, not re-created',
      {
        maxInstanceCount: 5,
        fleet: fleet({ available: slots(2, 2), deleting: slots(1, 1) }),
      },
      { acquired: 2, acquiredOnLeaving: 1, targetInstances: 2, toCreate: 0, removableCount: 0 },
    ],
    [
      'max 3: a deleting instance blocks the third creation until it is gone',
      {
        maxInstanceCount: 3,
        demand: demand({ queued: 1 }),
        fleet: fleet({ available: slots(2, 2), deleting: slots(1) }),
      },
      { targetInstances: 3, totalInstanceCount: 3, toCreate: 0, limitedBy: 'max_instances' },
    ],
    [
      'max 3: after the deleting instance is gone',
      {
        maxInstanceCount: 3,
        demand: demand({ queued: 1 }),
        fleet: fleet({ available: slots(2, 2) }),
      },
      { toCreate: 1, limitedBy: null },
    ],
    [
      'max 4: room for one more beside a draining instance',
      {
        maxInstanceCount: 4,
        demand: demand({ queued: 5 }),
        fleet: fleet({ available: slots(2, 2), draining: slots(1) }),
      },
      { toCreate: 1, limitedBy: 'max_instances' },
    ],
    [
      'lowered cap: max 2 with 4 idle instances and idle 4',
      { maxInstanceCount: 2, policy: policy(4), fleet: fleet({ available: slots(4) }) },
      { targetInstances: 2, toCreate: 0, removableCount: 2, overCapCount: 2 },
    ],
    [
      'max_instances 0 means unlimited',
      { maxInstanceCount: 0, demand: demand({ queued: 7 }) },
      { maxInstanceCount: null, toCreate: 7, limitedBy: null },
    ],
    // Runaway guard (MR 49): claims beyond their instances' slots are not new demand.
    [
      '(reconstructed MR 49 guard) capacity lowered to 2 under an instance running 4 jobs: no instance for served claims',
      { capacityPerInstance: 2, fleet: fleet({ available: slots(1, 4) }) },
      {
        overServedSlots: 2,
        wantedSlots: 2,
        targetInstances: 1,
        toCreate: 0,
        limitedBy: 'runaway_guard',
      },
    ],
    [
      'the guard still serves new demand beside the over-served instance',
      {
        capacityPerInstance: 2,
        demand: demand({ queued: 1 }),
        fleet: fleet({ available: slots(1, 4) }),
      },
      { wantedSlots: 3, targetInstances: 2, toCreate: 1 },
    ],
    [
      '(reconstructed §2.2, unverified) capacity_per_instance 0 is read as 1',
      { capacityPerInstance: 0, demand: demand({ queued: 2 }) },
      { capacityPerInstance: 1, toCreate: 2 },
    ],
  ])('%s', (_label, input, expected) => {
    expect(plan(input)).toMatchObject(expected);
  });

  it('returns every input and intermediate number for one log line', () => {
    const result = plan({
      capacityPerInstance: 2,
      maxInstanceCount: 6,
      policy: policy(1, 0.5, 4),
      demand: demand({ queued: 2, pending: 1, reserved: 3 }),
      fleet: fleet({
        creating: 1,
        available: slots(2, 3),
        retired: slots(1, 1),
        unhealthy: slots(1),
        draining: slots(1),
        deleting: slots(1, 2),
      }),
    });
    expect(result).toEqual({
      capacityPerInstance: 2,
      maxInstanceCount: 6,
      idleCount: 1,
      scaleFactor: 0.5,
      scaleFactorLimit: 4,
      queued: 2,
      pending: 1,
      reserved: 3,
      acquired: 4,
      acquiredOnLeaving: 2,
      unavailableSlots: 3,
      overServedSlots: 0,
      instanceCount: 5,
      totalInstanceCount: 7,
      inUseSlots: 7,
      scaleFactorSlots: 4,
      idleTargetSlots: 4,
      wantedSlots: 14,
      wantedInstances: 7,
      targetInstances: 6,
      toCreate: 0,
      removableCount: 0,
      overCapCount: 0,
      limitedBy: 'max_instances',
    });
  });
});

// B55: running jobs are demand. One computeDesired (desiredInstances over countFleet) for every
// combination of queued, running, idle, draining and pending, at capacity 1 and idle_count 0.
describe('B55 desired capacity counts running jobs', () => {
  type Row = {
    queued: number;
    running: number;
    idle: number;
    drainingIdle: number;
    drainingBusy: number;
    pending: number;
    creating: number;
    target: number;
    create: number;
  };
  const row = (parts: Partial<Row>): Row => ({
    queued: 0,
    running: 0,
    idle: 0,
    drainingIdle: 0,
    drainingBusy: 0,
    pending: 0,
    creating: 0,
    target: 0,
    create: 0,
    ...parts,
  });
  it.each<[string, Row]>([
    [
      '1 running + 1 queued (the report): desired 2',
      row({ running: 1, queued: 1, target: 2, create: 1 }),
    ],
    ['1 running alone', row({ running: 1, target: 1 })],
    ['1 running + 1 queued + 1 idle', row({ running: 1, queued: 1, idle: 1, target: 2 })],
    [
      '1 running + 2 queued + 1 idle',
      row({ running: 1, queued: 2, idle: 1, target: 3, create: 1 }),
    ],
    [
      '1 running + 1 pending (taken, unclaimed)',
      row({ running: 1, pending: 1, target: 2, create: 1 }),
    ],
    [
      '2 running + 1 queued + 1 pending',
      row({ running: 2, queued: 1, pending: 1, target: 4, create: 2 }),
    ],
    [
      '1 queued beside an idle draining instance',
      row({ queued: 1, drainingIdle: 1, target: 1, create: 1 }),
    ],
    ['a job running on a draining instance is served', row({ drainingBusy: 1 })],
    [
      '1 queued beside a busy draining instance',
      row({ queued: 1, drainingBusy: 1, target: 1, create: 1 }),
    ],
    ['1 queued, 1 creating', row({ queued: 1, creating: 1, target: 1 })],
    [
      '1 running + 2 queued, 1 creating',
      row({ running: 1, queued: 2, creating: 1, target: 3, create: 1 }),
    ],
    ['3 idle, nothing else: zero', row({ idle: 3 })],
    ['nothing at all: zero', row({})],
  ])('%s', (_label, r) => {
    const views = [
      ...Array.from({ length: r.running }, (_, i) =>
        instance(`run-${i}`, { acquiredSlots: 1, useCount: 1 }),
      ),
      ...Array.from({ length: r.idle }, (_, i) => instance(`idle-${i}`)),
      ...Array.from({ length: r.drainingIdle }, (_, i) =>
        instance(`di-${i}`, { state: 'draining' }),
      ),
      ...Array.from({ length: r.drainingBusy }, (_, i) =>
        instance(`db-${i}`, { state: 'deleting', acquiredSlots: 1, useCount: 1 }),
      ),
      ...Array.from({ length: r.creating }, (_, i) =>
        instance(`new-${i}`, { state: 'creating', readyAtMs: null }),
      ),
    ];
    const result = desiredInstances({
      ...base,
      demand: demand({ queued: r.queued, pending: r.pending }),
      fleet: countFleet(views, { maxUseCount: null, failureThreshold: 3 }),
    });
    expect([result.targetInstances, result.toCreate]).toEqual([r.target, r.create]);
  });
});
