import type { InstanceGroup } from '@taskfleet/fleeting';
import type { Registry } from '@taskfleet/registry';
import type { TokenBucket } from '@taskfleet/taskscaler';
import type { Logger } from 'pino';

import type { ScalerSettings } from './settings';

/** What the scaler keeps between ticks; TODO(#4): lost on restart (kept in memory only). */
export interface ScalerMemory {
  /** When each creation the cloud accepted, and no new member has yet answered, was asked for. */
  pendingCreationsAtMs: number[];
  bucket: TokenBucket;
  /** When we last extended each cloud-held removal (lifecycle-hooks.ts); made on first use. */
  removalHoldsExtendedAtMs?: Map<string, number>;
}

/** Everything one tick works with; the token is the leader lease's fencing token. */
export interface TickContext {
  readonly provider: InstanceGroup;
  readonly registry: Registry;
  readonly settings: ScalerSettings;
  readonly logger: Logger;
  readonly fencingToken: number;
  readonly nowMs: number;
  /** Never-listed creations and never-ready instances older than this are given up. */
  readonly creationTimeoutMs: number;
  readonly readyConnectTimeoutMs: number;
  readonly readyTimeoutMs: number;
  readonly memory: ScalerMemory;
}
