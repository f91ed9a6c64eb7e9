import { chooseRemovals } from '../choose-removals';
import type { Removal } from '../choose-removals';
import type { Plan } from '../desired-instances';
import { desiredInstances } from '../desired-instances';
import { countFleet } from '../fleet-counts';
import type { Demand, InstanceView } from '../types';

/** Planner settings of one test scenario; not exported from the package. */
export interface ScenarioSettings {
  readonly capacityPerInstance: number;
  readonly maxInstanceCount: number | null;
  readonly maxUseCount: number | null;
  readonly idleCount: number;
  readonly idleTimeMs: number;
  readonly scaleFactor?: number;
  readonly scaleFactorLimit?: number | null;
}

/** Plans the way the scaler does: count the instances, then compute the target. */
export function planFor(
  instances: readonly InstanceView[],
  wants: Demand,
  s: ScenarioSettings,
): Plan {
  return desiredInstances({
    demand: wants,
    fleet: countFleet(instances, { maxUseCount: s.maxUseCount, failureThreshold: 3 }),
    policy: {
      idleCount: s.idleCount,
      scaleFactor: s.scaleFactor ?? 0,
      scaleFactorLimit: s.scaleFactorLimit ?? null,
    },
    capacityPerInstance: s.capacityPerInstance,
    maxInstanceCount: s.maxInstanceCount,
  });
}

/** Chooses removals for `plan` at `nowMs` with the scenario's settings. */
export function removalsFor(
  instances: readonly InstanceView[],
  plan: Plan,
  nowMs: number,
  s: ScenarioSettings,
): Removal[] {
  return chooseRemovals(instances, nowMs, {
    idleTimeMs: s.idleTimeMs,
    maxUseCount: s.maxUseCount,
    failureThreshold: 3,
    creationTimeoutMs: null,
    plan,
  });
}
