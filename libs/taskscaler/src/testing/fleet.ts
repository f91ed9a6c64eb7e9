import type { Demand, FleetCounts, InstanceView, StateCount } from '../types';

/** Builders of planner inputs for this package's tests; not exported from the package. */

/** Instances of one kind with `acquiredSlots` claims between them. */
export const slots = (instances: number, acquiredSlots = 0): StateCount => ({
  instances,
  acquiredSlots,
});

/** A fleet with nothing in it but what `parts` says. */
export function fleet(parts: Partial<FleetCounts> = {}): FleetCounts {
  return {
    creating: 0,
    available: slots(0),
    retired: slots(0),
    unhealthy: slots(0),
    draining: slots(0),
    deleting: slots(0),
    ...parts,
  };
}

/** Demand with nothing waiting but what `parts` says. */
export function demand(parts: Partial<Demand> = {}): Demand {
  return { queued: 0, pending: 0, reserved: 0, ...parts };
}

/** A ready, healthy, unused instance that became ready at `readyAtMs`. */
export function instance(id: string, parts: Partial<InstanceView> = {}): InstanceView {
  return {
    id,
    state: 'ready',
    acquiredSlots: 0,
    useCount: 0,
    consecutiveHealthFailures: 0,
    createdAtMs: 0,
    readyAtMs: 0,
    lastJobEndedAtMs: null,
    ...parts,
  };
}
