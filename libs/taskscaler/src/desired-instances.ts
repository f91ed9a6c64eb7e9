import type { Demand, EffectivePolicy, FleetCounts } from './types';

/** Everything {@link desiredInstances} needs for one decision. */
export interface PlanInput {
  /** Jobs that want a slot. */
  readonly demand: Demand;
  /** The fleet by what each instance can still offer. */
  readonly fleet: FleetCounts;
  /** The active policy's idle settings. */
  readonly policy: Pick<EffectivePolicy, 'idleCount' | 'scaleFactor' | 'scaleFactorLimit'>;
  /** `capacity_per_instance`; values below 1 are read as 1. */
  readonly capacityPerInstance: number;
  /**
   * Most instances in any state: `max_instances`, already lowered to the group's max size by the
   * caller. `null` or 0 for unlimited.
   */
  readonly maxInstanceCount: number | null;
}

/** What limited a plan below what demand and the idle target asked for. */
export type PlanLimit = 'max_instances' | 'runaway_guard';

/**
 * One decision with every number that led to it, flat so the scaler can log it as one line
 * (the fields of taskscaler's `required scaling change`, plus ours).
 */
export interface Plan {
  /** `capacity_per_instance` as used (at least 1). */
  readonly capacityPerInstance: number;
  /** The cap as used; `null` for unlimited. */
  readonly maxInstanceCount: number | null;
  /** Policy `idle_count`, in slots. */
  readonly idleCount: number;
  /** Policy `scale_factor`. */
  readonly scaleFactor: number;
  /** Policy `scale_factor_limit`; `null` for no cap. */
  readonly scaleFactorLimit: number | null;
  /** Jobs waiting in the queue. */
  readonly queued: number;
  /** Jobs taken by an executor and waiting for a slot. */
  readonly pending: number;
  /** Open reservations; reported only, never demand. */
  readonly reserved: number;
  /** Claimed slots on counted instances (creating, available, retired, unhealthy). */
  readonly acquired: number;
  /** Claimed slots on draining or deleting instances: demand already served, never re-created. */
  readonly acquiredOnLeaving: number;
  /** Free slots on retired and unhealthy instances, which take no new job. */
  readonly unavailableSlots: number;
  /** Claims beyond the slots their instances have (capacity lowered under running jobs). */
  readonly overServedSlots: number;
  /** Instances that count for growth: creating, available, retired, unhealthy. */
  readonly instanceCount: number;
  /** Instances in every state, draining and deleting included; what the cap is checked against. */
  readonly totalInstanceCount: number;
  /** Slots in use: acquired + queued + pending. */
  readonly inUseSlots: number;
  /** Idle slots the scale factor asks for, after its limit. */
  readonly scaleFactorSlots: number;
  /** Idle slots to keep: max(idle_count, scaleFactorSlots). */
  readonly idleTargetSlots: number;
  /** inUse + idle target + unavailable − over-served. */
  readonly wantedSlots: number;
  /** ceil(wantedSlots / capacity), before the cap. */
  readonly wantedInstances: number;
  /** wantedInstances after the cap. */
  readonly targetInstances: number;
  /** Instances to request now (before the scale throttle). */
  readonly toCreate: number;
  /** Idle instances that may go without dropping below the target (before retired, unhealthy
   * and timed-out creating ones are taken out; {@link chooseRemovals} redoes the sum). */
  readonly removableCount: number;
  /** Counted instances beyond the cap (it was lowered); these may go before `idle_time`. */
  readonly overCapCount: number;
  /** What held the plan back, or `null`. */
  readonly limitedBy: PlanLimit | null;
}

// ceil() of a float product: 0.1 * 30 is 3.0000000000000004 and must give 3, not 4.
function ceilProduct(factor: number, count: number): number {
  return Math.max(0, Math.ceil(factor * count - 1e-9));
}

/**
 * Computes the instance target of reference/autoscaler.md §3.3 (reconstructed), with creation
 * checked against instances in every state and removal against the counted ones only.
 */
export function desiredInstances(input: PlanInput): Plan {
  const { demand, fleet, policy } = input;
  const capacity = Math.max(1, Math.floor(input.capacityPerInstance));
  const cap =
    input.maxInstanceCount === null || input.maxInstanceCount <= 0 ? null : input.maxInstanceCount;
  const using = [fleet.available, fleet.retired, fleet.unhealthy];
  const acquired = using.reduce((sum, state) => sum + state.acquiredSlots, 0);
  const acquiredOnLeaving = fleet.draining.acquiredSlots + fleet.deleting.acquiredSlots;
  const freeOf = (state: { instances: number; acquiredSlots: number }) =>
    Math.max(0, state.instances * capacity - state.acquiredSlots);
  const unavailableSlots = freeOf(fleet.retired) + freeOf(fleet.unhealthy);
  // Runaway guard (taskscaler MR 49): claims beyond their instances' slots are served already;
  // counting them as demand would create instances for jobs that have one.
  const overServedSlots = using.reduce(
    (sum, state) => sum + Math.max(0, state.acquiredSlots - state.instances * capacity),
    0,
  );
  const instanceCount =
    fleet.creating +
    fleet.available.instances +
    fleet.retired.instances +
    fleet.unhealthy.instances;
  const totalInstanceCount = instanceCount + fleet.draining.instances + fleet.deleting.instances;

  // Deliberate deviation from §3.3, whose inUse adds `reserved`: an open long-poll is not demand
  // (invariant 6, B03); a reservation that gets a job becomes `pending` and counts then.
  const inUseSlots = acquired + demand.queued + demand.pending;
  const limit = policy.scaleFactorLimit ?? 0;
  // Reconstructed (§3.3): ceil of the product, clamped as max(idle_count, min(f, limit)).
  const factorSlots = policy.scaleFactor > 0 ? ceilProduct(policy.scaleFactor, inUseSlots) : 0;
  const scaleFactorSlots = limit > 0 ? Math.min(factorSlots, limit) : factorSlots;
  const idleTargetSlots = Math.max(policy.idleCount, scaleFactorSlots);
  const wantedSlots = inUseSlots + idleTargetSlots + unavailableSlots - overServedSlots;
  const wantedInstances = Math.ceil(wantedSlots / capacity);
  const targetInstances = cap === null ? wantedInstances : Math.min(wantedInstances, cap);

  // Growth is checked against every instance that exists, deleting ones too (B01, B36), so the
  // cap holds however slowly the cloud removes them.
  const room = cap === null ? Infinity : Math.max(0, cap - totalInstanceCount);
  const toCreate = Math.max(0, Math.min(targetInstances - instanceCount, room));
  // Removal is checked against counted instances only: each removal moves one instance out of
  // instanceCount and changes nothing else, so it can never make the next plan want one back.
  const removableCount = Math.max(0, instanceCount - targetInstances);
  const overCapCount = cap === null ? 0 : Math.max(0, instanceCount - cap);

  let limitedBy: PlanLimit | null = null;
  if (toCreate < wantedInstances - instanceCount) {
    limitedBy = 'max_instances';
  } else if (overServedSlots > 0) {
    limitedBy = 'runaway_guard';
  }
  return {
    capacityPerInstance: capacity,
    maxInstanceCount: cap,
    idleCount: policy.idleCount,
    scaleFactor: policy.scaleFactor,
    scaleFactorLimit: limit > 0 ? limit : null,
    queued: demand.queued,
    pending: demand.pending,
    reserved: demand.reserved,
    acquired,
    acquiredOnLeaving,
    unavailableSlots,
    overServedSlots,
    instanceCount,
    totalInstanceCount,
    inUseSlots,
    scaleFactorSlots,
    idleTargetSlots,
    wantedSlots,
    wantedInstances,
    targetInstances,
    toCreate,
    removableCount,
    overCapCount,
    limitedBy,
  };
}
