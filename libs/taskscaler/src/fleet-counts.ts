import type { FleetCounts, InstanceView, StateCount } from './types';

/** What decides whether a ready instance may still take jobs. */
export interface UsabilitySettings {
  /** `max_use_count`; `null` (or 0) for unlimited. */
  readonly maxUseCount: number | null;
  /** `failure_threshold`: consecutive failed health checks that make an instance unhealthy. */
  readonly failureThreshold: number;
}

/** Why a ready instance can take no new job, or `null` when it can. */
export function unusableReason(
  instance: InstanceView,
  settings: UsabilitySettings,
): 'unhealthy' | 'retired' | null {
  // Unhealthy first: a dead instance is replaced whatever its use count.
  if (instance.consecutiveHealthFailures >= Math.max(1, settings.failureThreshold)) {
    return 'unhealthy';
  }
  if (instance.retiredFor !== undefined) {
    return 'retired';
  }
  const limit = settings.maxUseCount ?? 0;
  return limit > 0 && instance.useCount >= limit ? 'retired' : null;
}

type Bucket = keyof FleetCounts;

function bucketOf(instance: InstanceView, settings: UsabilitySettings): Bucket {
  if (instance.state !== 'ready') {
    return instance.state;
  }
  return unusableReason(instance, settings) ?? 'available';
}

const none: StateCount = { instances: 0, acquiredSlots: 0 };

/** Sums registry instances into the buckets {@link desiredInstances} reads; one counter for all paths. */
export function countFleet(
  instances: readonly InstanceView[],
  settings: UsabilitySettings,
): FleetCounts {
  const sums: Record<Exclude<Bucket, 'creating'>, StateCount> = {
    available: none,
    retired: none,
    unhealthy: none,
    draining: none,
    deleting: none,
  };
  let creating = 0;
  for (const instance of instances) {
    const bucket = bucketOf(instance, settings);
    if (bucket === 'creating') {
      creating += 1;
      continue;
    }
    const sum = sums[bucket];
    sums[bucket] = {
      instances: sum.instances + 1,
      acquiredSlots: sum.acquiredSlots + instance.acquiredSlots,
    };
  }
  return { creating, ...sums };
}
