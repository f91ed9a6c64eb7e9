import type { InstanceGroup } from '@taskfleet/fleeting';
import type { Registry } from '@taskfleet/registry';
import type { Tracer } from '@taskfleet/telemetry';
import type { Logger } from 'pino';

import type { CapacityGuard } from './capacity-guard';
import type { CreationBudget } from './creation-budget';
import type { HealthProbes } from './health-probes';
import type { ScalerHooks } from './hooks';
import type { ScalerMemory } from './memory';
import type { RemovalTally } from './removal-tally';
import type { SpotHandoff } from './spot-handoff';
import type { StraySchedule } from './stray-sweep';
import type { LifecycleTimings, ScalerSettings } from './settings';

export type { ScalerMemory } from './memory';

/** Everything one tick works with; the token is the leader lease's fencing token. */
export interface TickContext {
  readonly provider: InstanceGroup;
  readonly registry: Registry;
  readonly settings: ScalerSettings;
  readonly timings: LifecycleTimings;
  readonly logger: Logger;
  readonly fencingToken: number;
  readonly nowMs: number;
  /** Never-listed creations and never-ready instances older than this are given up. */
  readonly creationTimeoutMs: number;
  /** A member without a record must be at least this old (and seen twice) to be an orphan. */
  readonly orphanGraceMs: number;
  readonly readyConnectTimeoutMs: number;
  readonly readyTimeoutMs: number;
  /** Loaded from the registry at the start of the tick and saved (fenced) as it changes. */
  readonly memory: ScalerMemory;
  readonly guard: CapacityGuard;
  readonly tally: RemovalTally;
  readonly hooks: ScalerHooks;
  /** The account's creation budget shared with other pools, and this pool's key in it (B13). */
  readonly creationBudget?: PoolCreationBudget;
  /** Background ready checks and heartbeats; the next led tick writes what they found. */
  readonly probes: HealthProbes;
  /** Heartbeat interval and the bound on one heartbeat, connection included. */
  readonly heartbeat: { readonly intervalMs: number; readonly timeoutMs: number };
  /** Spot warnings other watches handed on, taken for this pool's instances each tick. */
  readonly spotHandoff?: SpotHandoff;
  /** When the pool last looked for its tagged instances outside the group; none: never looks. */
  readonly strays?: StraySchedule;
  /** Spans of the tick's increase and terminate calls. @defaultValue the no-op tracer */
  readonly tracer?: Tracer;
}

/** A shared creation budget and the key of the pool asking it. */
export interface PoolCreationBudget {
  readonly budget: CreationBudget;
  readonly poolKey: string;
}
