/**
 * A group member's state as a provider reports it: `creating` (requested, not usable yet),
 * `running` (usable), `deleting` (going away; schedule nothing new), `deleted` (gone, reported
 * once if the cloud still lists it), `timeout` (failed or unusable; the scaler drops it).
 */
export type InstanceStatus = 'creating' | 'running' | 'deleting' | 'deleted' | 'timeout';

/** One group member in an `update()` answer. */
export interface InstanceState {
  readonly id: string;
  readonly state: InstanceStatus;
  /** The cloud's own state name (e.g. `Pending:Wait`), for logs only; never branch on it. */
  readonly providerState?: string;
}
