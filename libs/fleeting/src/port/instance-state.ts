/**
 * A group member's state as a provider reports it: `creating` (requested, not usable yet),
 * `running` (usable), `deleting` (going away; schedule nothing new), `deleted` (gone, reported
 * once if the cloud still lists it), `timeout` (failed or unusable; the scaler drops it).
 */
export type InstanceStatus = 'creating' | 'running' | 'deleting' | 'deleted' | 'timeout';

/**
 * The cloud started removing a member on its own (an instance refresh, a rebalance) but waits
 * for our word first, e.g. an Auto Scaling termination lifecycle hook in `Terminating:Wait`.
 */
export interface RemovalHold {
  /** How long the cloud keeps waiting after the last `extendRemovalHold` before it goes ahead. */
  readonly timeoutMs: number;
}

/** One group member in an `update()` answer. */
export interface InstanceState {
  readonly id: string;
  readonly state: InstanceStatus;
  /** The cloud's own state name (e.g. `Pending:Wait`), for logs only; never branch on it. */
  readonly providerState?: string;
  /**
   * Present on a `deleting` member the cloud holds for us (capability `removal_hold`): keep it
   * with `extendRemovalHold` while it has work, then let it go with `releaseRemovalHold`.
   */
  readonly removalHold?: RemovalHold;
}
