import type { Plan, Removal } from '@taskfleet/taskscaler';

import type { TickContext } from './context';
import { guarded } from './guarded';
import { PENDING_VIEW_PREFIX } from './plan-inputs';
import { drainAndTerminate } from './terminate';

/** What applying one plan did. */
export interface ApplyReport {
  /** Instances the throttle allowed to ask for. */
  readonly granted: number;
  /** Instances the cloud accepted. */
  readonly requested: number;
  readonly terminated: readonly string[];
  /** Removals the registry refused (a claim landed, or it was used since). */
  readonly refused: readonly string[];
  readonly failed: readonly string[];
}

/**
 * Asks the cloud for the plan's new instances (through the throttle, the only path that raises
 * desired capacity), or drains and terminates each chosen removal by name.
 */
export async function applyPlan(
  ctx: TickContext,
  plan: Plan,
  removals: readonly Removal[],
  idleTimeMs: number,
): Promise<ApplyReport> {
  let granted = 0;
  let requested = 0;
  if (plan.toCreate > 0) {
    const take = ctx.memory.bucket.take(plan.toCreate, ctx.nowMs);
    ctx.memory.bucket = take.bucket;
    granted = take.granted;
  }
  if (granted > 0) {
    const result = await ctx.provider.increase(granted);
    requested = result.requested;
    for (let i = 0; i < requested; i += 1) {
      ctx.memory.pendingCreationsAtMs.push(ctx.nowMs);
    }
    if (result.error !== undefined) {
      ctx.logger.warn({ granted, requested, err: result.error }, 'increase partly failed');
    }
  }
  const terminated: string[] = [];
  const refused: string[] = [];
  const failed: string[] = [];
  for (const removal of removals) {
    if (removal.id.startsWith(PENDING_VIEW_PREFIX)) {
      continue;
    }
    // For an idle removal the registry re-checks idleness in the same script as the drain.
    const idleBound = removal.reason === 'idle_timeout' ? ctx.nowMs - idleTimeMs : undefined;
    const outcome = await guarded(ctx, removal.id, 'remove', () =>
      drainAndTerminate(ctx, removal.id, removal.reason, idleBound),
    );
    (outcome === 'terminated' ? terminated : outcome === 'refused' ? refused : failed).push(
      removal.id,
    );
  }
  return { granted, requested, terminated, refused, failed };
}
