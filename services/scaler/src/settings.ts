import type { AutoscalerConfig } from '@taskfleet/config';

import { ScalerError } from './errors';

/**
 * The `[runners.autoscaler]` settings the scaler reads; a parsed config's table passes as is.
 * The lifecycle timings are optional so a hand-written table may leave them to the defaults.
 */
export type ScalerSettings = Pick<
  AutoscalerConfig,
  | 'capacityPerInstance'
  | 'maxUseCount'
  | 'maxInstanceCount'
  | 'instanceReadyCommand'
  | 'updateIntervalMs'
  | 'failureThreshold'
  | 'scaleThrottle'
  | 'policies'
> &
  Partial<
    Pick<
      AutoscalerConfig,
      | 'updateIntervalWhenExpectingMs'
      | 'deletionRetryIntervalMs'
      | 'deleteInstancesOnShutdown'
      | 'shutdownDeletionIntervalMs'
      | 'shutdownDeletionRetries'
    >
  >;

/** The intervals and retries of the scaler's lifecycle, with GitLab's defaults filled in. */
export interface LifecycleTimings {
  /** `update_interval`: tick period while nothing is expected to change. */
  readonly updateIntervalMs: number;
  /** `update_interval_when_expecting`: tick period while creations or removals are outstanding. */
  readonly updateIntervalWhenExpectingMs: number;
  /** `deletion_retry_interval`: wait before sending again a termination that had no effect. */
  readonly deletionRetryIntervalMs: number;
  /** `delete_instances_on_shutdown`: remove every idle instance when the scaler closes. */
  readonly deleteInstancesOnShutdown: boolean;
  /** `shutdown_deletion_interval`: wait between shutdown removal rounds. */
  readonly shutdownDeletionIntervalMs: number;
  /** `shutdown_deletion_retries`: most shutdown removal rounds. */
  readonly shutdownDeletionRetries: number;
}

function positive(name: string, value: number, problems: string[]): void {
  if (!Number.isFinite(value) || value <= 0) {
    problems.push(`${name} must be positive, got ${String(value)}`);
  }
}

/**
 * Reads the lifecycle timings (defaults as reference/autoscaler.md §2.2 gives them); throws
 * `invalid_option` listing every bad value at once.
 */
export function lifecycleTimings(settings: ScalerSettings): LifecycleTimings {
  const timings: LifecycleTimings = {
    updateIntervalMs: settings.updateIntervalMs,
    // Never slower than the normal interval: "expecting" is meant to look sooner, not later.
    updateIntervalWhenExpectingMs: Math.min(
      settings.updateIntervalWhenExpectingMs ?? 2_000,
      settings.updateIntervalMs,
    ),
    deletionRetryIntervalMs: settings.deletionRetryIntervalMs ?? 60_000,
    deleteInstancesOnShutdown: settings.deleteInstancesOnShutdown ?? false,
    shutdownDeletionIntervalMs: settings.shutdownDeletionIntervalMs ?? 10_000,
    shutdownDeletionRetries: settings.shutdownDeletionRetries ?? 3,
  };
  const problems: string[] = [];
  positive('update interval', timings.updateIntervalMs, problems);
  positive('update interval when expecting', timings.updateIntervalWhenExpectingMs, problems);
  positive('deletion retry interval', timings.deletionRetryIntervalMs, problems);
  positive('shutdown deletion interval', timings.shutdownDeletionIntervalMs, problems);
  if (!Number.isInteger(timings.shutdownDeletionRetries) || timings.shutdownDeletionRetries < 1) {
    problems.push(`shutdown deletion retries must be a whole number ≥ 1`);
  }
  if (problems.length > 0) {
    throw new ScalerError('invalid_option', `could not create scaler: ${problems.join('; ')}`);
  }
  return Object.freeze(timings);
}
