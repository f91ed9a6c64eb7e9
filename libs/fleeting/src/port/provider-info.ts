/**
 * Optional features a provider can declare; the scaler uses a feature only if declared.
 * `removal_hold`: the cloud can hold a removal it started until we release it (see RemovalHold).
 * `instance_facts`: `inspect` tells launch time, pool ownership tags and why the cloud ended one.
 * `stray_instances`: `listStrays` finds the pool's tagged instances outside the group, and
 * `removeStrays` ends them.
 */
export type ProviderCapability =
  'suspend_resume' | 'removal_hold' | 'instance_facts' | 'stray_instances';

/** What a provider says about itself and its group when initialised. */
export interface ProviderInfo {
  /** A stable identity of provider and group, e.g. `aws/eu-west-1/ci-runners`. */
  readonly id: string;
  /** The largest group size the cloud side allows. */
  readonly maxSize: number;
  /** The provider implementation's version. */
  readonly version: string;
  /** Free-form build details (commit, build date) for logs. */
  readonly buildInfo?: string;
  readonly capabilities: readonly ProviderCapability[];
}
