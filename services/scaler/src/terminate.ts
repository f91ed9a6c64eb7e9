import type { TickContext } from './context';

/** How a termination attempt ended. */
export type TerminateOutcome = 'terminated' | 'refused' | 'failed';

function notFound(error: { code?: unknown }): boolean {
  return error.code === 'instance_not_found';
}

/**
 * Sends the cloud a termination for an instance whose intent is recorded, then marks it
 * deleting; a not-found answer means it is already gone, which counts as done.
 */
export async function sendTermination(
  ctx: TickContext,
  instanceId: string,
  reason: string,
): Promise<boolean> {
  const result = await ctx.provider.decrease([instanceId]);
  const failure = result.failed.find(f => f.id === instanceId);
  if (failure !== undefined && !notFound(failure.error)) {
    // The intent stays recorded; the next tick retries it.
    ctx.logger.warn({ instanceId, reason, err: failure.error }, 'termination failed');
    return false;
  }
  await ctx.registry.markDeleting(instanceId, ctx.fencingToken, reason);
  return true;
}

/**
 * Removes one instance the way invariant 3 demands: atomic drain (refused if a claim landed),
 * durable intent, then the cloud's decrement of exactly this instance.
 */
export async function drainAndTerminate(
  ctx: TickContext,
  instanceId: string,
  reason: string,
  idleSinceAtMostMs?: number,
): Promise<TerminateOutcome> {
  const drain = await ctx.registry.beginDrain(instanceId, ctx.fencingToken, {
    reason,
    ...(idleSinceAtMostMs === undefined ? {} : { idleSinceAtMostMs }),
  });
  if (!drain.drained) {
    ctx.logger.info({ instanceId, reason, refused: drain.reason }, 'drain refused');
    return 'refused';
  }
  await ctx.registry.recordTerminationIntent(instanceId, ctx.fencingToken, reason);
  return (await sendTermination(ctx, instanceId, reason)) ? 'terminated' : 'failed';
}
