import type { InstanceGroup } from '@taskfleet/fleeting';
import type { Registry } from '@taskfleet/registry';
import type { Tracer } from '@taskfleet/telemetry';
import type { Logger } from 'pino';

import type { PoolCreationBudget } from './context';
import type { ScalerHooks } from './hooks';
import type { SpotHandoff } from './spot-handoff';
import type { ScalerSettings } from './settings';
import type { TickReport } from './tick';

/** Where demand comes from: the count of accepted jobs waiting in the queue. */
export interface DemandSource {
  /** Jobs waiting, prioritized, delayed, or active but unclaimed, not counted as registry pending. */
  queuedJobCount(): Promise<number>;
}

/** Timer functions the loop uses; injected so a test can drive the loop by hand. */
export interface ScalerTimers {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Told about each tick's outcome (telemetry); must not throw, and a throw is only logged. */
export interface ScalerObserver {
  tickDone(outcome: TickOutcome): void;
  tickFailed(error: unknown): void;
}

/** The cloud account's back-off after throttling, shared by the pools of that account. */
export interface AccountBackoff {
  /** Milliseconds left of the back-off now; 0 when calls may be made. */
  remainingMs(): number;
}

/** Options of {@link Scaler}. */
export interface ScalerOptions {
  /** This replica's identity for the leader lease (host and process, never a secret). */
  readonly holderId: string;
  readonly settings: ScalerSettings;
  readonly provider: InstanceGroup;
  readonly registry: Registry;
  readonly demand: DemandSource;
  readonly logger: Logger;
  /** Epoch-ms clock; must be the registry's clock too. Default `Date.now`. */
  readonly clock?: () => number;
  readonly timers?: ScalerTimers;
  /** Default three update intervals. */
  readonly leaseTtlMs?: number;
  /**
   * The create timeout: an instance not ready (or a creation not listed) after this is given up
   * and reconciled (`[taskfleet] instance_create_timeout`). Default 10 min.
   */
  readonly creationTimeoutMs?: number;
  /** Default 30 s. */
  readonly readyConnectTimeoutMs?: number;
  /**
   * Boot grace of the orphan sweep: a member without a record is removed only once it is older
   * than this and was seen on two passes (B30, B32). Default 30 s.
   */
  readonly orphanGraceMs?: number;
  /**
   * How often the pool looks for instances with its launch tags outside the group (one
   * DescribeInstances by tag, shared by the account's pools) and ends confirmed ones; an orphan
   * there is confirmed on two looks, so found within two intervals past the boot grace
   * (`[taskfleet] stray_sweep_interval`). Default 60 s.
   */
  readonly straySweepIntervalMs?: number;
  /** Bound on one ready command run, connection included. Default 60 s. */
  readonly readyTimeoutMs?: number;
  /** Delay of the first tick, so pools started together do not tick in step. Default 0. */
  readonly startOffsetMs?: number;
  /** While it runs, the next tick waits at least until it ends (B59). Default none. */
  readonly accountBackoff?: AccountBackoff;
  /** One span per led tick, with the plan's figures, and spans of its increase and terminate calls. */
  readonly tracer?: Tracer;
  /** The pool's names on its spans: the group and the runner key (never the token). */
  readonly pool?: { readonly group: string; readonly runnerKey: string };
  /** The account's creation budget this pool shares with the others (B13). Default none. */
  readonly creationBudget?: PoolCreationBudget;
  /**
   * How often a ready instance gets a heartbeat (`exit 0` over SSH); taskscaler checks every 5
   * minutes (reference/autoscaler.md §3.9); `[taskfleet] heartbeat_interval`. Default 300 s.
   */
  readonly heartbeatIntervalMs?: number;
  /** Bound on one heartbeat, connection included. Default 30 s. */
  readonly heartbeatTimeoutMs?: number;
  /** Most ready checks and heartbeats running at once in the background. Default 16. */
  readonly maxConcurrentProbes?: number;
  /**
   * `[taskfleet] idle_confirm_time`: an instance is removed for idleness only after two passes at least this far
   * apart both saw it idle in the registry (B29). Default two `update_interval_when_expecting`
   * (4 s with GitLab's defaults): our claims are written before a job starts, so no remote lag
   * needs covering, only a claim or release in flight; 0 lets one pass decide.
   */
  readonly idleConfirmMs?: number;
  /**
   * `[taskfleet] scale_in_cooldown`: no instance is removed for idleness until this long after
   * the last scale-out and the last idle removal, both kept in Redis (B59). Default 0: none, as
   * taskscaler, whose only scale-in delay is `idle_time` per instance.
   */
  readonly scaleInCooldownMs?: number;
  /**
   * Spot warnings handed on by interruption watches (of any process on the same Redis) that do
   * not know the instance; each led tick takes those of this pool's instances. Default none.
   */
  readonly spotHandoff?: SpotHandoff;
  /** Test hooks at racy moments; unset in production. */
  readonly hooks?: ScalerHooks;
  readonly observer?: ScalerObserver;
}

/** What a tick returned: `led: false` when another replica holds the lease and nothing was done. */
export type TickOutcome = { readonly led: false } | ({ readonly led: true } & TickReport);

/** Node's own timers, the default of every loop that takes injected ones. */
export const defaultTimers: ScalerTimers = {
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: handle => {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};
