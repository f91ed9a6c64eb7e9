/** Input and output types of the taskscaler planner; plain data, no behaviour. */

/**
 * One `[[runners.autoscaler.policy]]` as the planner reads it. The field names and units are those
 * of `PolicyConfig` in `@taskfleet/config`, so a parsed config's policies can be passed as they are
 * without this package importing the config package.
 */
export interface SchedulePolicy {
  /** 5-field cron expressions, each a range of time in {@link timezone}. */
  readonly periods: readonly string[];
  /** IANA zone the periods are read in. */
  readonly timezone: string;
  /** Idle capacity to keep, in job slots. */
  readonly idleCount: number;
  /** How long an instance may stay idle before it is removed. */
  readonly idleTimeMs: number;
  /** Extra idle slots as a factor of the slots in use; 0 turns it off. */
  readonly scaleFactor: number;
  /** Most idle slots {@link scaleFactor} may ask for; `null` (or 0) for no cap. */
  readonly scaleFactorLimit: number | null;
  /** Request a job only with an idle ready slot reserved. */
  readonly preemptiveMode: boolean;
}

/** The settings in force at one moment: the active policy's values, or the no-match fallback. */
export interface EffectivePolicy {
  /** Index in the list of the policy that won; `null` when no policy matched. */
  readonly policyIndex: number | null;
  /** Idle capacity to keep, in job slots. */
  readonly idleCount: number;
  /** How long an instance may stay idle before it is removed. */
  readonly idleTimeMs: number;
  /** Extra idle slots as a factor of the slots in use. */
  readonly scaleFactor: number;
  /** Most idle slots the scale factor may ask for; `null` for no cap. */
  readonly scaleFactorLimit: number | null;
  /** Whether intake needs an idle ready slot reserved. */
  readonly preemptiveMode: boolean;
}

/** Where an instance is in its life, as the planner distinguishes it. */
export type InstanceState =
  /** Requested, booting, or running but not yet past `instance_ready_command`. */
  | 'creating'
  /** Running and past the ready check; whether it may take work depends on use and health. */
  | 'ready'
  /** Picked by us for removal (the atomic idle → draining change happened); takes no new work. */
  | 'draining'
  /** The provider reports it terminating (ours or the cloud's); it may still run jobs (B01). */
  | 'deleting';

/** What the planner knows of one instance, read from the registry. */
export interface InstanceView {
  /** Provider instance id. */
  readonly id: string;
  /** Life stage. */
  readonly state: InstanceState;
  /** Slots holding a claim (a running job). */
  readonly acquiredSlots: number;
  /** Jobs this instance has been given, persisted across restarts. */
  readonly useCount: number;
  /** Consecutive failed health checks; reset by a passing one. */
  readonly consecutiveHealthFailures: number;
  /** When the instance was requested. */
  readonly createdAtMs: number;
  /** When it passed the ready check; `null` while creating. */
  readonly readyAtMs: number | null;
  /** When its last job ended; `null` if it never ran one. */
  readonly lastJobEndedAtMs: number | null;
  /**
   * Set when an executor retired it for a reason other than its use count (B19: the disk is
   * nearly full); it then takes no new job and is removed once idle with this reason.
   */
  readonly retiredFor?: 'disk_pressure';
}

/** Instances of one kind and the slots on them that hold a claim. */
export interface StateCount {
  /** Number of instances. */
  readonly instances: number;
  /** Claimed slots on those instances (running jobs). */
  readonly acquiredSlots: number;
}

/**
 * The fleet summed by what each instance can still offer. Every instance is in exactly one
 * bucket: `available` is ready, healthy and below `max_use_count`; `retired` reached
 * `max_use_count`; `unhealthy` reached `failure_threshold`.
 */
export interface FleetCounts {
  /** Requested or booting instances; counted as future free capacity. */
  readonly creating: number;
  /** Ready instances that can take new jobs. */
  readonly available: StateCount;
  /** Ready instances at `max_use_count`; their free slots are unavailable. */
  readonly retired: StateCount;
  /** Ready instances past `failure_threshold`; their free slots are unavailable. */
  readonly unhealthy: StateCount;
  /** Instances we are removing. */
  readonly draining: StateCount;
  /** Instances the provider reports as terminating. */
  readonly deleting: StateCount;
}

/** Jobs that want a slot, from the queue and the registry. */
export interface Demand {
  /** Accepted jobs waiting in the queue (waiting, prioritized, delayed). */
  readonly queued: number;
  /** Jobs an executor has taken that wait for a slot claim (active but unclaimed). */
  readonly pending: number;
  /**
   * Open reservations (a poll in flight). Reported, never demand: a reservation that turns into
   * a job shows up as `queued` (architecture invariant 6, B03).
   */
  readonly reserved: number;
}
