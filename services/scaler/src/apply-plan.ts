import type { Plan } from '@taskfleet/taskscaler';
import { inSpan, noopTracer, spanNames, traceAttributes } from '@taskfleet/telemetry';

import type { ScalerRemoval } from './boot-failures';
import type { TickContext } from './context';
import { creationHoldMs } from './creation-backoff';
import { guarded } from './guarded';
import { saveMemory } from './memory';
import { PENDING_VIEW_PREFIX } from './plan-inputs';
import { drainAndTerminate } from './terminate';

/** Why an increase asked of the cloud was not (fully) accepted, as the tick reports it. */
export interface IncreaseFailure {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
}

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
  /** Why the cloud accepted fewer than granted (a cap, throttling, a refused call); surfaced, never swallowed (B58). */
  readonly increaseError: IncreaseFailure | undefined;
  /** Instances wanted but not asked for because new instances keep failing to boot. */
  readonly heldByBootBackoff: number;
  /** Instances wanted but not asked for because the pool's `scale_throttle` bucket was short. */
  readonly heldByScaleThrottle: number;
  /** Instances the throttle allowed but the account's shared launch budget did not (B13). */
  readonly heldByLaunchBudget: number;
}

function describeFailure(error: unknown): IncreaseFailure {
  const e = error as { code?: unknown; message?: unknown; retryable?: unknown } | null;
  return {
    code: typeof e?.code === 'string' ? e.code : 'unknown',
    message: typeof e?.message === 'string' ? e.message : String(error),
    retryable: e?.retryable === true,
  };
}

/**
 * Asks the cloud for `granted` instances. The creations are written to the scaler's memory
 * (fenced) before the call, so a crash right after it cannot make the next leader distrust the
 * new members; what the cloud did not accept is taken back after.
 */
async function increase(
  ctx: TickContext,
  granted: number,
): Promise<{ requested: number; error: IncreaseFailure | undefined }> {
  const pending = ctx.memory.pendingCreationsAtMs;
  for (let i = 0; i < granted; i += 1) {
    pending.push(ctx.nowMs);
  }
  await saveMemory(ctx.registry, ctx.fencingToken, ctx.memory);
  const attributes = { [traceAttributes.increaseGranted]: granted };
  const result = await inSpan(
    ctx.tracer ?? noopTracer,
    spanNames.scalerIncrease,
    { attributes },
    async span => {
      const answer = await ctx.provider.increase(granted);
      span.setAttribute(traceAttributes.increaseRequested, answer.requested);
      return answer;
    },
  );
  const requested = Math.max(0, Math.min(granted, result.requested));
  pending.splice(pending.length - (granted - requested), granted - requested);
  if (requested > 0) {
    ctx.memory.lastScaleOutAtMs = ctx.nowMs;
  }
  const error = result.error === undefined ? undefined : describeFailure(result.error);
  if (error !== undefined) {
    const level = requested === 0 && error.code !== 'capacity_exceeded' ? 'error' : 'warn';
    ctx.logger[level]({ granted, requested, err: result.error }, 'increase partly failed');
  }
  return { requested, error };
}

/**
 * What the account's shared budget lets this pool ask for, of `own`; none when the budget cannot
 * be read (its Redis key refused), so the tick still does its removals and the next tick asks
 * again, rather than failing the whole tick or creating past the account's limit.
 */
async function budgetGrant(ctx: TickContext, own: number): Promise<number> {
  const shared = ctx.creationBudget;
  if (shared === undefined) {
    return own;
  }
  try {
    return await shared.budget.grant(shared.poolKey, own, ctx.nowMs);
  } catch (error) {
    ctx.logger.warn({ err: error, wanted: own }, 'account launch budget unavailable');
    return 0;
  }
}

/**
 * Asks the cloud for the plan's new instances (through the throttle, the only path that raises
 * desired capacity, never past `capCount`), or drains and terminates each chosen removal by name.
 */
export async function applyPlan(
  ctx: TickContext,
  plan: Plan,
  removals: readonly ScalerRemoval[],
  idleTimeMs: number,
  capCount: number,
): Promise<ApplyReport> {
  let granted = 0;
  let requested = 0;
  let heldByScaleThrottle = 0;
  let heldByLaunchBudget = 0;
  let increaseError: IncreaseFailure | undefined;
  // The plan counts only what we remember; the cloud adds to the desired capacity it holds.
  const toCreate = Math.min(plan.toCreate, ctx.guard.increaseHeadroom(capCount));
  if (toCreate < plan.toCreate) {
    ctx.logger.warn(
      { toCreate: plan.toCreate, allowed: toCreate, capCount },
      'increase held: desired capacity at cap',
    );
  }
  // While new instances keep failing their boot, none is asked for until the back-off ends
  // (taskscaler 17.0, MR 4722): a broken image or ready command is not relaunched every tick.
  // A boot failure removed in this tick extends the back-off after it, so it holds this tick's
  // creations too (else its replacement would be asked for before the wait starts).
  const bootFailing = removals.some(r => r.reason === 'boot_failed');
  const holding = bootFailing || creationHoldMs(ctx.memory.creationBackoff, ctx.nowMs) > 0;
  const heldByBootBackoff = toCreate > 0 && holding ? toCreate : 0;
  if (toCreate > 0 && heldByBootBackoff === 0) {
    // The pool's own scale_throttle first, then the account's budget shared by every pool (B13).
    const own = Math.min(toCreate, Math.floor(ctx.memory.bucket.available(ctx.nowMs) + 1e-9));
    const allowed = await budgetGrant(ctx, own);
    const take = ctx.memory.bucket.take(allowed, ctx.nowMs);
    ctx.memory.bucket = take.bucket;
    granted = take.granted;
    heldByScaleThrottle = toCreate - own;
    heldByLaunchBudget = own - allowed;
  }
  if (granted > 0) {
    ({ requested, error: increaseError } = await increase(ctx, granted));
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
    if (
      ctx.hooks.afterIdleRead !== undefined &&
      (idleBound !== undefined || removal.reason === 'excess')
    ) {
      await ctx.hooks.afterIdleRead(removal.id);
    }
    const attributes = {
      [traceAttributes.instanceId]: removal.id,
      [traceAttributes.removalReason]: removal.reason,
    };
    const outcome = await inSpan(
      ctx.tracer ?? noopTracer,
      spanNames.scalerTerminate,
      { attributes },
      async span => {
        const result = await guarded(ctx, removal.id, 'remove', () =>
          drainAndTerminate(ctx, removal.id, removal.reason, idleBound),
        );
        span.setAttribute(traceAttributes.outcome, result ?? 'failed');
        return result;
      },
    );
    (outcome === 'terminated' ? terminated : outcome === 'refused' ? refused : failed).push(
      removal.id,
    );
  }
  return {
    granted,
    requested,
    terminated,
    refused,
    failed,
    increaseError,
    heldByBootBackoff,
    heldByScaleThrottle,
    heldByLaunchBudget,
  };
}
