import type { FleetingError } from '../errors';
import type { ConnectInfo } from './connector-config';
import type { InstanceFacts, StrayInstance } from './instance-facts';
import type { InstanceState } from './instance-state';
import type { ProviderInfo } from './provider-info';

/** Options every port call accepts; aborting rejects the call with a `canceled` error. */
export interface CallOptions {
  readonly signal?: AbortSignal;
}

/** The answer of `increase(delta)`: how many new instances the cloud accepted, plus why not all. */
export interface IncreaseResult {
  /** How many of the requested instances were successfully asked for, 0 to `delta`. */
  readonly requested: number;
  /** Why fewer than `delta` were requested; absent when all were. */
  readonly error?: FleetingError;
}

/** One instance that `decrease` could not remove, with the reason. */
export interface DecreaseFailure {
  readonly id: string;
  readonly error: FleetingError;
}

/**
 * The answer of `decrease(ids)`: every id given appears exactly once, in `succeeded` (removal
 * accepted) or in `failed` (with its own error; ids not tried after a fatal error included).
 */
export interface DecreaseResult {
  readonly succeeded: readonly string[];
  readonly failed: readonly DecreaseFailure[];
}

/**
 * The instance-group port the scaler drives: one cloud group of identical instances. Whole-call
 * failures reject with a FleetingError; per-instance failures of batch calls are return values.
 */
export interface InstanceGroup {
  /** Validates settings, reaches the cloud once and describes the provider; call before others. */
  init(options?: CallOptions): Promise<ProviderInfo>;
  /**
   * Lists every member of the group with its state; a member missing from the answer is gone.
   * Rejects (e.g. `throttled`, `provider_unavailable`) when the group could not be read.
   */
  update(options?: CallOptions): Promise<readonly InstanceState[]>;
  /**
   * Asks the cloud for `delta` (≥ 1) more instances; partial success is a result with an error.
   * Rejects only with `invalid_argument`, `canceled` or `shut_down`.
   */
  increase(delta: number, options?: CallOptions): Promise<IncreaseResult>;
  /**
   * Removes exactly the instances named, never others; per-id failures are in the result.
   * Rejects only with `invalid_argument`, `canceled` or `shut_down`.
   */
  decrease(ids: readonly string[], options?: CallOptions): Promise<DecreaseResult>;
  /**
   * Returns fresh addresses and credentials for one instance (never cached across restarts);
   * rejects `instance_not_found` or `instance_unhealthy` when it cannot be connected to.
   */
  connectInfo(id: string, options?: CallOptions): Promise<ConnectInfo>;
  /** Checks cloud-level health of one instance; rejects `instance_unhealthy` or not found. */
  heartbeat(id: string, options?: CallOptions): Promise<void>;
  /** Releases provider-side resources (e.g. uploaded keys); idempotent, instances stay. */
  shutdown(): Promise<void>;
  /**
   * Asks the cloud to keep waiting on a removal it holds (the member still runs jobs); only with
   * capability `removal_hold`. Rejects `instance_not_found` when no hold is waiting any more.
   */
  extendRemovalHold?(id: string, options?: CallOptions): Promise<void>;
  /**
   * Lets a held removal go ahead (the member has no work left); only with capability
   * `removal_hold`. A hold that is already gone counts as released.
   */
  releaseRemovalHold?(id: string, options?: CallOptions): Promise<void>;
  /**
   * Describes the named instances in one call (capability `instance_facts`); ids the cloud does
   * not know are left out. Rejects like `update` when the cloud could not be read.
   */
  inspect?(ids: readonly string[], options?: CallOptions): Promise<readonly InstanceFacts[]>;
  /**
   * Lists the live instances that carry this pool's ownership tags but are not members of the
   * group (capability `stray_instances`). Rejects like `update` when the cloud could not be read.
   */
  listStrays?(options?: CallOptions): Promise<readonly StrayInstance[]>;
  /**
   * Ends the named strays and never a group member (capability `stray_instances`); every id is
   * answered on its own, an id that is no stray failing `instance_not_found`, as in `decrease`.
   */
  removeStrays?(ids: readonly string[], options?: CallOptions): Promise<DecreaseResult>;
}

/** An instance group whose provider declared `instance_facts`, with `inspect` present. */
export type InspectableGroup = InstanceGroup & Required<Pick<InstanceGroup, 'inspect'>>;

/** Whether the group can describe instances beyond their group state (`instance_facts`). */
export function supportsInspect(group: InstanceGroup): group is InspectableGroup {
  return typeof group.inspect === 'function';
}

/** An instance group whose provider declared `stray_instances`, with both stray calls present. */
export type StrayAwareGroup = InstanceGroup &
  Required<Pick<InstanceGroup, 'listStrays' | 'removeStrays'>>;

/** Whether the group can find and end its pool's instances outside it (`stray_instances`). */
export function supportsStrays(group: InstanceGroup): group is StrayAwareGroup {
  return typeof group.listStrays === 'function' && typeof group.removeStrays === 'function';
}

/** An instance group whose provider declared `removal_hold`, with both hold calls present. */
export type RemovalHoldGroup = InstanceGroup &
  Required<Pick<InstanceGroup, 'extendRemovalHold' | 'releaseRemovalHold'>>;

/** Whether the group implements the removal-hold calls (providers declare `removal_hold`). */
export function supportsRemovalHolds(group: InstanceGroup): group is RemovalHoldGroup {
  return (
    typeof group.extendRemovalHold === 'function' && typeof group.releaseRemovalHold === 'function'
  );
}
