/** Why the cloud ended an instance the port never asked it to remove. */
export type LostReason = 'spot' | 'external';

/**
 * What the cloud says about one instance beyond its group state (capability `instance_facts`):
 * enough for the scaler to tell its own launches from strangers and a reclaim from a removal.
 */
export interface InstanceFacts {
  readonly id: string;
  /** When the cloud launched it, in epoch ms; absent when the cloud does not say. */
  readonly launchedAtMs?: number;
  /** It carries every ownership tag of this pool, set at launch by the launch template. */
  readonly ownedByPool: boolean;
  /** The cloud ended it without being asked: a spot reclaim or a termination from outside. */
  readonly lostBy?: LostReason;
}

/**
 * An instance that carries this pool's ownership tags but is not a member of its group
 * (capability `stray_instances`): detached, left by an earlier group, or from a run that crashed.
 */
export interface StrayInstance {
  readonly id: string;
  /** When the cloud launched it, in epoch ms; absent when the cloud does not say. */
  readonly launchedAtMs?: number;
  /** The cloud's own state name (e.g. `running`, `stopped`), for logs only. */
  readonly providerState?: string;
}
