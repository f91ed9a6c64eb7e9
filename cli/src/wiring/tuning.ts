import type { Config } from '@taskfleet/config';
import type { JobProcessorOptions } from '@taskfleet/executor';
import type { ScalerOptions } from '@taskfleet/scaler';

/** The scaler options `[taskfleet]` sets for every runner's loop. */
export function scalerTuningFor(
  config: Config,
): Pick<
  ScalerOptions,
  'creationTimeoutMs' | 'heartbeatIntervalMs' | 'idleConfirmMs' | 'scaleInCooldownMs'
> {
  const { taskfleet } = config;
  return {
    creationTimeoutMs: taskfleet.instanceCreateTimeoutMs,
    heartbeatIntervalMs: taskfleet.heartbeatIntervalMs,
    scaleInCooldownMs: taskfleet.scaleInCooldownMs,
    // Unset: the scaler's default, twice the runner's update_interval_when_expecting.
    ...(taskfleet.idleConfirmMs === null ? {} : { idleConfirmMs: taskfleet.idleConfirmMs }),
  };
}

/** The executor options `[taskfleet]` sets for every runner's worker. */
export function executorTuningFor(
  config: Config,
): Pick<JobProcessorOptions, 'diskPressurePercent'> {
  return { diskPressurePercent: config.taskfleet.diskPressurePercent };
}
