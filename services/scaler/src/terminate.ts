import type { TickContext } from './context';

/** How a termination attempt ended. */
export type TerminateOutcome = 'terminated' | 'refused' | 'failed';

function notFound(error: { code?: unknown }): boolean {
  return error.code === 'instance_not_found';
}

/**
 * Sends the cloud a termination for an instance whose intent is recorded, then marks it
 * deleting; a not-found answer means it is already gone, which counts as done (B46). The intent
 * is stamped as sent first, with the fencing token, so a leader that lost its lease stops here.
 */
export async function sendTermination(
  ctx: TickContext,
  instanceId: string,
  reason: string,
): Promise<boolean> {
  if (!ctx.guard.mayDecrement()) {
    ctx.logger.error({ instanceId, reason }, 'termination held: desired capacity at claimed count');
    return false;
  }
  if (ctx.hooks.beforeTerminationSent !== undefined) {
    await ctx.hooks.beforeTerminationSent(instanceId);
  }
  await ctx.registry.markTerminationSent(instanceId, ctx.fencingToken);
  const result = await ctx.provider.decrease([instanceId]);
  const failure = result.failed.find(f => f.id === instanceId);
  if (failure !== undefined && !notFound(failure.error)) {
    // The intent stays recorded; a later tick sends it again.
    ctx.logger.warn({ instanceId, reason, err: failure.error }, 'termination failed');
    return false;
  }
  if (failure === undefined) {
    ctx.guard.decremented();
  } else {
    ctx.logger.info({ instanceId, reason }, 'termination found instance gone');
  }
  ctx.memory.lastScaleInAtMs = ctx.nowMs;
  await ctx.registry.markDeleting(instanceId, ctx.fencingToken, reason);
  return true;
}

/**
 * Removes one instance the way invariant 3 demands: atomic drain (refused if a claim landed),
 * durable intent, then the cloud's decrement of exactly this instance; counted by reason.
 */
export async function drainAndTerminate(
  ctx: TickContext,
  instanceId: string,
  reason: string,
  idleSinceAtMostMs?: number,
): Promise<TerminateOutcome> {
  if (!ctx.guard.mayDecrement()) {
    ctx.logger.error({ instanceId, reason }, 'removal held: desired capacity at claimed count');
    return 'refused';
  }
  const drain = await ctx.registry.beginDrain(instanceId, ctx.fencingToken, {
    reason,
    ...(idleSinceAtMostMs === undefined ? {} : { idleSinceAtMostMs }),
  });
  if (!drain.drained) {
    ctx.logger.info({ instanceId, reason, refused: drain.reason }, 'drain refused');
    return 'refused';
  }
  return finishDrain(ctx, instanceId, reason);
}

/** Records the intent for a drained instance and sends its termination; counted by reason. */
export async function finishDrain(
  ctx: TickContext,
  instanceId: string,
  reason: string,
): Promise<TerminateOutcome> {
  await ctx.registry.recordTerminationIntent(instanceId, ctx.fencingToken, reason);
  const sent = await sendTermination(ctx, instanceId, reason);
  if (sent) {
    ctx.tally.add(reason);
  }
  return sent ? 'terminated' : 'failed';
}
