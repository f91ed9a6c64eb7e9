import type { InstanceRecord, RegistrySnapshot } from '@taskfleet/registry';
import { countFleet } from '@taskfleet/taskscaler';

import { demandOf, instanceViews, PENDING_VIEW_PREFIX, toInstanceView } from './plan-inputs';

function record(overrides: Partial<InstanceRecord>): InstanceRecord {
  return {
    instanceId: 'i-1',
    state: 'ready',
    capacityPerInstance: 2,
    claimedSlots: 0,
    useCount: 0,
    maxUseCount: 0,
    createdAtMs: 1_000,
    readyAtMs: 2_000,
    lastJobEndedAtMs: undefined,
    idleSinceMs: 2_000,
    stateChangedAtMs: 2_000,
    failureCount: 0,
    reason: undefined,
    slots: new Map(),
    ...overrides,
  };
}

function snapshotOf(instances: InstanceRecord[]): RegistrySnapshot {
  return {
    atMs: 5_000,
    instances,
    instancesByState: {
      creating: 0,
      booting: 0,
      ready: 0,
      draining: 0,
      deleting: 0,
      unhealthy: 0,
      retired: 0,
    },
    claimedSlots: 0,
    reservedSlots: 4,
    pendingJobs: 2,
    idleReadySlots: 0,
    unavailableSlots: 0,
    upcomingSlots: 0,
    terminationIntents: [],
  };
}

const settings = { failureThreshold: 3 };

describe('toInstanceView', () => {
  it('reads creating and booting as creating, with no ready time', () => {
    for (const state of ['creating', 'booting'] as const) {
      expect(toInstanceView(record({ state }), settings)).toMatchObject({
        state: 'creating',
        readyAtMs: null,
      });
    }
  });

  it('reads an unhealthy record as a ready instance at the failure threshold', () => {
    const view = toInstanceView(record({ state: 'unhealthy', failureCount: 1 }), settings);
    expect(view).toMatchObject({ state: 'ready', consecutiveHealthFailures: 3 });
    expect(countFleet([view], { maxUseCount: null, failureThreshold: 3 }).unhealthy.instances).toBe(
      1,
    );
  });

  it('reads a retired record as ready, so its use count retires it in the fleet counts', () => {
    const view = toInstanceView(record({ state: 'retired', useCount: 5 }), settings);
    expect(view.state).toBe('ready');
    expect(countFleet([view], { maxUseCount: 5, failureThreshold: 3 }).retired.instances).toBe(1);
  });

  it('keeps draining and deleting, claims and the last job end', () => {
    const view = toInstanceView(
      record({ state: 'deleting', claimedSlots: 1, lastJobEndedAtMs: 4_000 }),
      settings,
    );
    expect(view).toMatchObject({ state: 'deleting', acquiredSlots: 1, lastJobEndedAtMs: 4_000 });
  });
});

describe('instanceViews', () => {
  it('adds one creating view per creation the cloud accepted but does not list yet', () => {
    const views = instanceViews(snapshotOf([record({})]), [4_000, 4_500], settings);
    expect(views.map(v => [v.id.startsWith(PENDING_VIEW_PREFIX), v.state])).toEqual([
      [false, 'ready'],
      [true, 'creating'],
      [true, 'creating'],
    ]);
    expect(countFleet(views, { maxUseCount: null, failureThreshold: 3 }).creating).toBe(2);
  });
});

describe('demandOf', () => {
  it('takes queued from the queue, pending and reserved from the registry', () => {
    expect(demandOf(7, snapshotOf([]))).toEqual({ queued: 7, pending: 2, reserved: 4 });
    expect(demandOf(-1, snapshotOf([])).queued).toBe(0);
  });
});
