import type { TickContext } from './context';
import { guarded } from './guarded';
import { runReadyCheck } from './ready-check';

/** Runs the ready command on one instance and opens it, or counts a failure toward the threshold. */
async function checkOne(
  ctx: TickContext,
  instanceId: string,
): Promise<'passed' | 'failed' | 'deferred'> {
  const command = ctx.settings.instanceReadyCommand;
  const result =
    command === null || command === ''
      ? { passed: true as const }
      : await runReadyCheck({
          provider: ctx.provider,
          instanceId,
          command,
          connectTimeoutMs: ctx.readyConnectTimeoutMs,
          timeoutMs: ctx.readyTimeoutMs,
          logger: ctx.logger,
        });
  if (result.passed) {
    await ctx.registry.markReady(instanceId, ctx.fencingToken);
    return 'passed';
  }
  if (result.notYetRunning) {
    ctx.logger.debug({ instanceId, reason: result.reason }, 'ready check deferred');
    return 'deferred';
  }
  const failure = await ctx.registry.recordFailure(
    instanceId,
    ctx.fencingToken,
    ctx.settings.failureThreshold,
    result.reason,
  );
  ctx.logger.warn({ instanceId, reason: result.reason, ...failure }, 'ready check failed');
  return 'failed';
}

/** Checks every instance at once; one instance's error does not stop the others. */
export async function checkReadiness(
  ctx: TickContext,
  ids: readonly string[],
): Promise<{ passed: string[]; failed: string[] }> {
  const outcomes = await Promise.all(
    ids.map(id => guarded(ctx, id, 'ready_check', () => checkOne(ctx, id))),
  );
  return {
    passed: ids.filter((_, index) => outcomes[index] === 'passed'),
    failed: ids.filter((_, index) => outcomes[index] === 'failed'),
  };
}
