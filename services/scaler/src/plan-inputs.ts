import type { InstanceRecord, RegistrySnapshot } from '@taskfleet/registry';
import type { Demand, InstanceView } from '@taskfleet/taskscaler';

/** Prefix of the views that stand for instances asked of the cloud but not yet listed by it. */
export const PENDING_VIEW_PREFIX = 'pending-creation-';

/** What decides how registry records read as taskscaler instances. */
export interface ViewSettings {
  readonly failureThreshold: number;
}

/**
 * Maps one registry record to the planner's view: creating and booting read as `creating`;
 * retired and unhealthy read as `ready` (countFleet tells them apart by use and failure counts,
 * so an unhealthy record carries at least the threshold); draining and deleting as they are.
 */
export function toInstanceView(record: InstanceRecord, settings: ViewSettings): InstanceView {
  const base = {
    id: record.instanceId,
    acquiredSlots: record.claimedSlots,
    useCount: record.useCount,
    consecutiveHealthFailures: record.failureCount,
    createdAtMs: record.createdAtMs,
    readyAtMs: record.readyAtMs ?? null,
    lastJobEndedAtMs: record.lastJobEndedAtMs ?? null,
  };
  switch (record.state) {
    case 'creating':
    case 'booting':
      return { ...base, state: 'creating', readyAtMs: null };
    case 'ready':
      return { ...base, state: 'ready' };
    case 'retired':
      // Retired by an executor (disk pressure) rather than by its use count: removed as such.
      return record.reason === 'disk_pressure'
        ? { ...base, state: 'ready', retiredFor: 'disk_pressure' }
        : { ...base, state: 'ready' };
    case 'unhealthy':
      return {
        ...base,
        state: 'ready',
        consecutiveHealthFailures: Math.max(record.failureCount, settings.failureThreshold, 1),
      };
    case 'draining':
    case 'deleting':
      return { ...base, state: record.state };
  }
}

/**
 * The planner's instances: every registry record, plus one `creating` view per creation the
 * cloud accepted but does not list yet, so the next plan counts it (and the cap holds).
 */
export function instanceViews(
  snapshot: RegistrySnapshot,
  pendingCreationsAtMs: readonly number[],
  settings: ViewSettings,
): InstanceView[] {
  const views = snapshot.instances.map(record => toInstanceView(record, settings));
  pendingCreationsAtMs.forEach((atMs, index) => {
    views.push({
      id: `${PENDING_VIEW_PREFIX}${index}`,
      state: 'creating',
      acquiredSlots: 0,
      useCount: 0,
      consecutiveHealthFailures: 0,
      createdAtMs: atMs,
      readyAtMs: null,
      lastJobEndedAtMs: null,
    });
  });
  return views;
}

/** Demand from the queue count and the registry: pending jobs wait for a slot; reservations are reported only. */
export function demandOf(queued: number, snapshot: RegistrySnapshot): Demand {
  return {
    queued: Math.max(0, Math.floor(queued)),
    pending: snapshot.pendingJobs,
    reserved: snapshot.reservedSlots,
  };
}
