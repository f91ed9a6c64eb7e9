import type { InstanceState as MemberState } from '@taskfleet/fleeting';

import type { TickContext } from './context';

/** Drops pending creations older than the creation timeout; returns how many were given up. */
export function expirePendingCreations(ctx: TickContext): number {
  const oldestMs = ctx.nowMs - ctx.creationTimeoutMs;
  const before = ctx.memory.pendingCreationsAtMs.length;
  ctx.memory.pendingCreationsAtMs = ctx.memory.pendingCreationsAtMs.filter(at => at > oldestMs);
  const expired = before - ctx.memory.pendingCreationsAtMs.length;
  if (expired > 0) {
    // A late arrival is then unknown and removed with decrement, which also corrects the
    // desired capacity that still counts it.
    ctx.logger.warn(
      { expired, creationTimeoutMs: ctx.creationTimeoutMs },
      'creations never appeared',
    );
  }
  return expired;
}

/**
 * Keeps no more pending creations than the cloud is still launching: desired capacity minus
 * the members that count toward it. A creation written ahead of an increase that never reached
 * the cloud (a crash, a failed call) is dropped here, newest first; returns how many.
 */
export function trimPendingCreations(
  ctx: TickContext,
  members: readonly MemberState[],
  desiredCapacity: number | undefined,
): number {
  if (desiredCapacity === undefined) {
    return 0;
  }
  const counted = members.filter(m => m.state !== 'deleting' && m.state !== 'deleted').length;
  const launching = Math.max(0, desiredCapacity - counted);
  const excess = ctx.memory.pendingCreationsAtMs.length - launching;
  if (excess <= 0) {
    return 0;
  }
  ctx.memory.pendingCreationsAtMs = ctx.memory.pendingCreationsAtMs
    .slice()
    .sort((a, b) => a - b)
    .slice(0, launching);
  ctx.logger.info({ trimmed: excess, desiredCapacity, counted }, 'pending creations trimmed');
  return excess;
}
