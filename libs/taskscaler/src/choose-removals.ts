import type { UsabilitySettings } from './fleet-counts';
import { unusableReason } from './fleet-counts';
import type { InstanceView } from './types';
import type { Plan } from './desired-instances';

/** Why an instance is removed; the label of the removal counters. */
export type RemovalReason =
  /** Idle for at least `idle_time` while the fleet is above its target. */
  | 'idle_timeout'
  /** Reached `max_use_count` and runs nothing. */
  | 'max_use_count'
  /** An executor found its disk nearly full (B19) and it runs nothing. */
  | 'disk_pressure'
  /** Failed `failure_threshold` health checks in a row and runs nothing. */
  | 'unhealthy'
  /** Idle and beyond `max_instances` (the cap was lowered); goes before `idle_time`. */
  | 'excess'
  /** Still not ready `creationTimeoutMs` after it was requested. */
  | 'creation_timeout';

/** One instance to drain and terminate, and why. */
export interface Removal {
  /** Provider instance id. */
  readonly id: string;
  /** Why it goes. */
  readonly reason: RemovalReason;
  /** How long it has been idle (or, for `creation_timeout`, waiting to be ready). */
  readonly idleForMs: number;
}

/** What {@link chooseRemovals} needs besides the instances. */
export interface RemovalSettings extends UsabilitySettings {
  /** The active policy's `idle_time`. */
  readonly idleTimeMs: number;
  /** How long an instance may stay creating before it is given up; `null` to never. */
  readonly creationTimeoutMs: number | null;
  /** The current plan, from which the budget of idle removals is worked out. */
  readonly plan: Pick<Plan, 'instanceCount' | 'wantedInstances' | 'maxInstanceCount'>;
}

/** When an instance became idle: the end of its last job, else the moment it became ready (MR 25). */
export function idleSinceMs(instance: InstanceView): number {
  return instance.lastJobEndedAtMs ?? instance.readyAtMs ?? instance.createdAtMs;
}

function unconditional(instance: InstanceView, nowMs: number, settings: RemovalSettings) {
  if (instance.state === 'creating') {
    const waitedMs = nowMs - instance.createdAtMs;
    const timeoutMs = settings.creationTimeoutMs;
    return timeoutMs !== null && waitedMs >= timeoutMs
      ? { id: instance.id, reason: 'creation_timeout' as const, idleForMs: waitedMs }
      : null;
  }
  const reason = unusableReason(instance, settings);
  if (instance.state !== 'ready' || instance.acquiredSlots > 0 || reason === null) {
    return null;
  }
  // Retired and unhealthy slots count as unavailable in the plan, so removing these lowers the
  // target with them: no replacement follows, and no idle budget is spent.
  const removalReason =
    reason === 'retired'
      ? (instance.retiredFor ?? ('max_use_count' as const))
      : ('unhealthy' as const);
  return { id: instance.id, reason: removalReason, idleForMs: nowMs - idleSinceMs(instance) };
}

/**
 * How many idle instances may still go after `removals`, and how many of those may go early
 * because the fleet is over the cap. A retired or unhealthy idle instance holds only unavailable
 * slots, so removing it lowers the wanted count by exactly one; a creating one lowers nothing.
 */
function idleBudgets(plan: RemovalSettings['plan'], removals: readonly Removal[]) {
  const creating = removals.filter(removal => removal.reason === 'creation_timeout').length;
  const unavailable = removals.length - creating;
  const count = plan.instanceCount - removals.length;
  const wanted = plan.wantedInstances - unavailable;
  const cap = plan.maxInstanceCount;
  const target = cap === null ? wanted : Math.min(wanted, cap);
  return {
    budget: Math.max(0, count - target),
    overCap: cap === null ? 0 : Math.max(0, count - cap),
  };
}

/**
 * Picks the instances to remove now: retired, unhealthy and never-ready ones at once; idle ones
 * past `idle_time`, oldest idle first, only while the plan is above its target; idle ones beyond
 * a lowered cap even before `idle_time`. An instance with a claim is never picked.
 */
export function chooseRemovals(
  instances: readonly InstanceView[],
  nowMs: number,
  settings: RemovalSettings,
): Removal[] {
  const removals: Removal[] = [];
  const idle: InstanceView[] = [];
  for (const instance of instances) {
    const removal = unconditional(instance, nowMs, settings);
    if (removal !== null) {
      removals.push(removal);
    } else if (
      instance.state === 'ready' &&
      instance.acquiredSlots === 0 &&
      unusableReason(instance, settings) === null
    ) {
      idle.push(instance);
    }
  }
  const budgets = idleBudgets(settings.plan, removals);
  // Which idle instance goes first is undocumented (§10 gap); the longest idle is our choice.
  idle.sort((a, b) => idleSinceMs(a) - idleSinceMs(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let { budget, overCap } = budgets;
  for (const instance of idle) {
    if (budget <= 0) {
      break;
    }
    const idleForMs = nowMs - idleSinceMs(instance);
    if (idleForMs >= settings.idleTimeMs) {
      removals.push({ id: instance.id, reason: 'idle_timeout', idleForMs });
    } else if (overCap > 0) {
      removals.push({ id: instance.id, reason: 'excess', idleForMs });
    } else {
      // Sorted oldest idle first: no later instance has been idle longer.
      break;
    }
    budget -= 1;
    overCap -= 1;
  }
  return removals;
}
