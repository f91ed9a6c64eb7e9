import type { InstanceRecord, RegistrySnapshot } from '@taskfleet/registry';
import type { Removal, RemovalReason } from '@taskfleet/taskscaler';

/**
 * Why the scaler removes an instance: taskscaler's reasons, plus `boot_failed` for an instance
 * the cloud runs that never passed its ready check (B40).
 */
export type ScalerRemovalReason = RemovalReason | 'boot_failed';

/** A removal as the scaler applies it. */
export interface ScalerRemoval extends Omit<Removal, 'reason'> {
  readonly reason: ScalerRemovalReason;
}

function neverPassed(record: InstanceRecord | undefined): boolean {
  return record !== undefined && record.readyAtMs === undefined;
}

/**
 * Renames the removals of instances that ran but never became ready to `boot_failed`: a booting
 * one at the create timeout, or one the ready command made unhealthy (failure_threshold) before
 * it was ever ready. A `creating` one (never running) keeps `creation_timeout`.
 */
export function withBootFailures(
  removals: readonly Removal[],
  snapshot: RegistrySnapshot,
): ScalerRemoval[] {
  const records = new Map(snapshot.instances.map(r => [r.instanceId, r]));
  return removals.map(removal => {
    const record = records.get(removal.id);
    const bootFailed =
      (removal.reason === 'creation_timeout' && record?.state === 'booting') ||
      (removal.reason === 'unhealthy' && record?.state === 'unhealthy' && neverPassed(record));
    return bootFailed ? { ...removal, reason: 'boot_failed' as const } : removal;
  });
}

/** How many recent boots {@link BootOutcomes} keeps for the ratio. */
export const bootWindow = 50;

/**
 * The outcomes of the last boots, newest last (`r` ready, `f` boot failed), kept in the scaler's
 * memory so a new leader goes on with them; the failure ratio is `taskfleet_boot_failure_ratio`.
 */
export function addBootOutcomes(window: string, ready: number, failed: number): string {
  return (window + 'r'.repeat(ready) + 'f'.repeat(failed)).slice(-bootWindow);
}

/** Boot failures over boots in the window; 0 before any boot. */
export function bootFailureRatio(window: string): number {
  if (window.length === 0) {
    return 0;
  }
  let failed = 0;
  for (const outcome of window) {
    if (outcome === 'f') {
      failed += 1;
    }
  }
  return failed / window.length;
}
