import type { AutoscalerConfig } from '@taskfleet/config';

/** The `[runners.autoscaler]` settings the scaler reads; a parsed config's table passes as is. */
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
>;
