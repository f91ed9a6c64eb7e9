import type { InstanceRecord, RegistrySnapshot } from '@taskfleet/registry';

import type { ScalerRemoval } from './boot-failures';

/** Removal reasons that rest on an instance being idle, and so need a confirmed idleness. */
const idleReasons = new Set<string>(['idle_timeout', 'excess']);

interface Sighting {
  readonly firstSeenAtMs: number;
  readonly idleSinceMs: number | undefined;
}

function idleNow(record: InstanceRecord): boolean {
  return record.state === 'ready' && record.claimedSlots === 0;
}

/**
 * The reaper's idle confirmation (B29): an instance is removed for idleness only when our own
 * registry (its claims, never GitLab's view of the job) showed it idle on two passes at least
 * `idleConfirmMs` apart, with no job run in between (the same idle-since stamp both times).
 * Process-local: a new leader confirms again, which only delays a removal.
 */
export class IdleConfirmations {
  private readonly seen = new Map<string, Sighting>();

  constructor(private readonly idleConfirmMs: number) {}

  /** Notes every idle instance of this pass; forgets the busy and the gone. */
  observe(snapshot: RegistrySnapshot, nowMs: number): void {
    const live = new Set<string>();
    for (const record of snapshot.instances) {
      const previous = this.seen.get(record.instanceId);
      if (!idleNow(record)) {
        continue;
      }
      live.add(record.instanceId);
      // A job that ran and ended since the last pass moves idle-since: start over.
      if (previous === undefined || previous.idleSinceMs !== record.idleSinceMs) {
        this.seen.set(record.instanceId, {
          firstSeenAtMs: nowMs,
          idleSinceMs: record.idleSinceMs,
        });
      }
    }
    for (const id of this.seen.keys()) {
      if (!live.has(id)) {
        this.seen.delete(id);
      }
    }
  }

  /**
   * Splits the removals into those that may go now and the idle ones not yet confirmed; call
   * after {@link observe} on the same pass.
   */
  confirm(
    removals: readonly ScalerRemoval[],
    nowMs: number,
  ): { readonly confirmed: ScalerRemoval[]; readonly unconfirmed: string[] } {
    const confirmed: ScalerRemoval[] = [];
    const unconfirmed: string[] = [];
    for (const removal of removals) {
      if (!idleReasons.has(removal.reason)) {
        confirmed.push(removal);
        continue;
      }
      const sighting = this.seen.get(removal.id);
      if (sighting !== undefined && nowMs - sighting.firstSeenAtMs >= this.idleConfirmMs) {
        confirmed.push(removal);
      } else {
        unconfirmed.push(removal.id);
      }
    }
    return { confirmed, unconfirmed };
  }
}
