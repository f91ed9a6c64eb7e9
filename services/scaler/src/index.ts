/** The scaler service: one leader sizes a runner's instance group from demand and the registry. */
export { Scaler } from './scaler';
export type {
  AccountBackoff,
  DemandSource,
  ScalerObserver,
  ScalerOptions,
  ScalerTimers,
  TickOutcome,
} from './scaler';
export { delayWithBackoffMs, startOffsetsMs } from './tick-schedule';
export { LocalLaunchBucket, RoundRobinCreationBudget } from './creation-budget';
export type {
  CreationBudget,
  LaunchBucket,
  RoundRobinCreationBudgetOptions,
} from './creation-budget';
export { RedisLaunchBucket } from './redis-launch-bucket';
export type { RedisLaunchBucketOptions } from './redis-launch-bucket';
export type { PoolCreationBudget } from './context';
export type { LifecycleTimings, ScalerSettings } from './settings';
export { lifecycleTimings } from './settings';
export type { ScalerHooks } from './hooks';
export { ScalerError } from './errors';
export type { ScalerErrorCode, ScalerErrorOptions } from './errors';
export type { CapacityReading, TickReport } from './tick';
export type { ScalerRemoval, ScalerRemovalReason } from './boot-failures';
export { tendRemovalHolds } from './lifecycle-hooks';
export type { RemovalHoldReport } from './lifecycle-hooks';
export type { ApplyReport, IncreaseFailure } from './apply-plan';
export { heldCreationsOf } from './held-creations';
export type { ReconcileReport } from './reconcile';
export type { ScalerMemory } from './memory';
export { decodeMemory, encodeMemory } from './memory';
export type { ShutdownDeletionReport } from './shutdown';
export { demandOf, instanceViews, toInstanceView } from './plan-inputs';
export { runReadyCheck } from './ready-check';
export type { ReadyCheckInput, ReadyCheckResult } from './ready-check';
export { InterruptionWatch } from './interruption-watch';
export type {
  InterruptionTarget,
  InterruptionWatchOptions,
  WatchBackoff,
} from './interruption-watch';
export { SPOT_INTERRUPTION_REASON } from './spot-warnings';
export type { InterruptionOutcome } from './spot-warnings';
export { DEFAULT_HANDOFF_TTL_MS, RedisSpotHandoff } from './spot-handoff';
export type { RedisSpotHandoffOptions, SpotHandoff } from './spot-handoff';
export { DEFAULT_STRAY_SWEEP_INTERVAL_MS, StraySchedule } from './stray-sweep';
export type { StrayPass } from './stray-sweep';
