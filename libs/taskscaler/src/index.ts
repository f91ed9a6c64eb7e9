/** Capacity planning of taskscaler, pure: active policy, instance target, removals, throttle. */

export type { Plan, PlanInput, PlanLimit } from './desired-instances';
export { desiredInstances } from './desired-instances';
export type { Removal, RemovalReason, RemovalSettings } from './choose-removals';
export { chooseRemovals, idleSinceMs } from './choose-removals';
export type { UsabilitySettings } from './fleet-counts';
export { countFleet, unusableReason } from './fleet-counts';
export type { TaskscalerErrorCode } from './errors';
export { TaskscalerError } from './errors';
export {
  activePolicy,
  NO_POLICY,
  NO_POLICY_IDLE_TIME_MS,
  nextPolicyChangeMs,
} from './policy/active-policy';
export type { TakeResult, TokenBucketState } from './token-bucket';
export { TokenBucket } from './token-bucket';
export type {
  Demand,
  EffectivePolicy,
  FleetCounts,
  InstanceState,
  InstanceView,
  SchedulePolicy,
  StateCount,
} from './types';
