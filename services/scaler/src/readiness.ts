import type { FailureResult } from '@taskfleet/registry';

import type { TickContext } from './context';
import { guarded } from './guarded';
import { backoffMs } from './health-probes';
import type { ProbeOutcome } from './health-probes';
import type { ProbeContext } from './probe-results';
import { runReadyCheck } from './ready-check';

// Retries of a failing ready command back off from update_interval_when_expecting up to this.
// Creations back off too while new instances keep failing it (creation-backoff.ts).
const maxReadyBackoffMs = 60_000;

/** Runs the ready command on one instance; only looks, the next tick writes the outcome. */
async function checkOne(
  ctx: TickContext,
  instanceId: string,
  command: string,
): Promise<ProbeOutcome> {
  const result = await runReadyCheck({
    provider: ctx.provider,
    instanceId,
    command,
    connectTimeoutMs: ctx.readyConnectTimeoutMs,
    timeoutMs: ctx.readyTimeoutMs,
    signal: ctx.probes.signal,
    logger: ctx.logger,
  });
  if (result.passed) {
    return { instanceId, kind: 'ready', result: 'passed' };
  }
  return {
    instanceId,
    kind: 'ready',
    result: result.notYetRunning ? 'deferred' : 'failed',
    reason: result.reason,
  };
}

/**
 * Writes one finished ready check: a pass opens the instance, a failure counts toward
 * `failure_threshold` and backs the next try off (doubling each time).
 */
export async function applyReadyOutcome(
  ctx: ProbeContext,
  outcome: ProbeOutcome,
): Promise<FailureResult | 'passed' | undefined> {
  const { instanceId } = outcome;
  if (outcome.result === 'passed') {
    await ctx.registry.markReady(instanceId, ctx.fencingToken);
    ctx.probes.deferUntil(instanceId, ctx.nowMs + ctx.heartbeat.intervalMs);
    return 'passed';
  }
  if (outcome.result === 'deferred') {
    ctx.logger.debug({ instanceId, reason: outcome.reason }, 'ready check deferred');
    return undefined;
  }
  const reason = outcome.reason ?? 'ready command failed';
  const failure = await ctx.registry.recordFailure(
    instanceId,
    ctx.fencingToken,
    ctx.settings.failureThreshold,
    reason,
  );
  // A command that keeps failing is not re-run at every tick: the wait doubles each time.
  const waitMs = backoffMs(
    failure.failureCount,
    ctx.timings.updateIntervalWhenExpectingMs,
    maxReadyBackoffMs,
  );
  ctx.probes.deferUntil(instanceId, ctx.nowMs + waitMs);
  ctx.logger.warn({ instanceId, reason, retryInMs: waitMs, ...failure }, 'ready check failed');
  return failure;
}

/**
 * Opens booting instances: without `instance_ready_command` at once (in the tick, no I/O but
 * Redis); with one, starts the command in the background on each instance whose back-off has
 * passed, so a slow or hanging instance never holds up the tick. Returns the ids opened now.
 */
export async function startReadyChecks(
  ctx: TickContext,
  ids: readonly string[],
): Promise<string[]> {
  const command = ctx.settings.instanceReadyCommand;
  if (command === null || command === '') {
    const opened: string[] = [];
    for (const id of ids) {
      const done = await guarded(ctx, id, 'ready_check', async () => {
        await ctx.registry.markReady(id, ctx.fencingToken);
        return true;
      });
      if (done === true) {
        opened.push(id);
      }
    }
    return opened;
  }
  for (const id of ids) {
    if (ctx.probes.isDue(id, ctx.nowMs)) {
      ctx.probes.start(id, 'ready', () => checkOne(ctx, id, command));
    }
  }
  return [];
}
