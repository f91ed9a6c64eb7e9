/**
 * Lifecycle of an instance in the registry: `creating` (asked of the cloud), `booting` (running
 * in the cloud, ready command not yet passed), `ready` (slots open), `draining` (atomically taken
 * out of service with zero claims), `deleting` (termination sent by us, or started by the cloud),
 * `unhealthy` (failed heartbeats or ready command), `retired` (reached max_use_count).
 */
export type InstanceState =
  'creating' | 'booting' | 'ready' | 'draining' | 'deleting' | 'unhealthy' | 'retired';

/** Every instance state, in lifecycle order. */
export const INSTANCE_STATES: readonly InstanceState[] = [
  'creating',
  'booting',
  'ready',
  'draining',
  'deleting',
  'unhealthy',
  'retired',
];

/** Network addresses of an instance, as the provider reported them. */
export interface InstanceAddresses {
  readonly internalAddress?: string;
  readonly externalAddress?: string;
}

/** One instance as the registry holds it. */
export interface InstanceRecord extends InstanceAddresses {
  readonly instanceId: string;
  readonly state: InstanceState;
  readonly capacityPerInstance: number;
  /** Slots with a claim on them now. */
  readonly claimedSlots: number;
  /** Claims ever made on this instance (persisted, so a restart cannot reset it). */
  readonly useCount: number;
  /** 0 means unlimited. */
  readonly maxUseCount: number;
  readonly createdAtMs: number;
  readonly readyAtMs: number | undefined;
  readonly lastJobEndedAtMs: number | undefined;
  /** When idle_time counts from: the last job's end, else ready time; undefined before ready. */
  readonly idleSinceMs: number | undefined;
  readonly stateChangedAtMs: number;
  readonly failureCount: number;
  /** Why the instance left service (unhealthy, draining or deleting reason), if it did. */
  readonly reason: string | undefined;
  /** Slot number → GitLab job id, for the slots in use. */
  readonly slots: ReadonlyMap<number, string>;
}

/** Input of registerInstance. */
export interface RegisterInstanceInput extends InstanceAddresses {
  readonly instanceId: string;
  /** `draining` registers a member we never asked for straight out of service (invariant 5). */
  readonly state: 'creating' | 'booting' | 'draining';
  readonly capacityPerInstance: number;
  readonly maxUseCount: number;
  /** Why it is registered out of service; required with `draining`. */
  readonly reason?: string;
}

/** Result of registerInstance: `created` is false when the id was already known (nothing reset). */
export interface RegisterResult {
  readonly created: boolean;
  readonly state: InstanceState;
}

/** A slot given to a job. */
export interface SlotClaim {
  readonly instanceId: string;
  readonly slot: number;
  /** True when this job already held the claim (claiming twice returns the same slot). */
  readonly existing: boolean;
  /** The slot was handed to the job while it waited (first answer after the grant only). */
  readonly granted?: boolean;
}

/** Result of releaseSlot. */
export type ReleaseResult =
  | { readonly released: false }
  | {
      readonly released: true;
      readonly instanceId: string;
      readonly slot: number;
      readonly state: InstanceState | undefined;
      /** The instance is retired and now has no claims: it may be drained and deleted at once. */
      readonly removable: boolean;
    };

/** Result of beginDrain: refused (not an error) when a claim exists or it was used too recently. */
export type DrainResult =
  | { readonly drained: true; readonly alreadyDraining: boolean }
  | { readonly drained: false; readonly reason: 'busy' | 'recently_used' };

/** Result of recordFailure. */
export interface FailureResult {
  readonly failureCount: number;
  /** The count reached the threshold and the instance is now unhealthy. */
  readonly unhealthy: boolean;
}

/** Result of clearInstance: jobs whose claims were on the vanished instance. */
export interface ClearResult {
  readonly cleared: boolean;
  readonly orphanedJobIds: readonly string[];
}

/** A durable record that we asked (or are about to ask) the cloud to terminate an instance. */
export interface TerminationIntent {
  readonly instanceId: string;
  readonly recordedAtMs: number;
  readonly reason: string;
  /** When the termination was last sent to the cloud; undefined if it never was (a crash). */
  readonly sentAtMs: number | undefined;
  /** How many times it was sent. */
  readonly attempts: number;
}

/** The scaler leader lease. */
export type LeaseResult =
  | {
      readonly acquired: true;
      readonly fencingToken: number;
      readonly expiresAtMs: number;
    }
  | { readonly acquired: false; readonly holderId: string; readonly expiresAtMs: number };

/**
 * How intake may reserve: `preemptive` only against an idle ready slot, `potential` while
 * `maxInstances × capacityPerInstance` is not used up.
 */
export type ReserveMode = 'preemptive' | 'potential';

/** Input of reserve. */
export interface ReserveInput {
  readonly ownerId: string;
  readonly ttlMs: number;
  readonly mode: ReserveMode;
  readonly maxInstances: number;
  readonly capacityPerInstance: number;
  /**
   * Most jobs this runner may handle at once (reservations + pending + claims), as the runner's
   * `limit` and the global `concurrent` set it; `null` or 0 for no limit.
   */
  readonly jobLimit?: number | null;
}

/** Result of reserve; on refusal the reason names taskscaler's failure label. */
export type ReserveResult =
  | { readonly reserved: true; readonly reservationId: string; readonly expiresAtMs: number }
  | {
      readonly reserved: false;
      readonly reason: 'no_available_capacity' | 'no_potential_capacity' | 'job_limit';
    };

/** Jobs one runner handles now, read in one step; what `limit` and `concurrent` count. */
export interface IntakeCounts {
  /** Live reservations (polls in flight). */
  readonly reserved: number;
  /** Accepted jobs not yet claimed. */
  readonly pending: number;
  /** Claimed slots (running jobs). */
  readonly claimed: number;
}

/** Counts the planner needs, read in one atomic script. */
export interface RegistrySnapshot {
  readonly atMs: number;
  readonly instances: readonly InstanceRecord[];
  readonly instancesByState: Readonly<Record<InstanceState, number>>;
  /** Slots with a claim (acquired). */
  readonly claimedSlots: number;
  /** Live (unexpired) reservations. */
  readonly reservedSlots: number;
  /** Jobs accepted from GitLab and not yet claimed (converted reservations). */
  readonly pendingJobs: number;
  /** Free slots on ready instances that can take a claim now. */
  readonly idleReadySlots: number;
  /** Free slots that can never take a claim: retired, unhealthy, draining, deleting instances. */
  readonly unavailableSlots: number;
  /** Slots of creating and booting instances: capacity on its way. */
  readonly upcomingSlots: number;
  readonly terminationIntents: readonly TerminationIntent[];
}
