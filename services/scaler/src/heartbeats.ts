import type { FailureResult, RegistrySnapshot } from '@taskfleet/registry';

import type { TickContext } from './context';
import { backoffMs } from './health-probes';
import type { ProbeOutcome } from './health-probes';
import type { ProbeContext } from './probe-results';
import { runReadyCheck } from './ready-check';

// What taskscaler's heartbeat runs over the connector (reference/autoscaler.md §3.9).
const heartbeatCommand = 'exit 0';

async function beatOne(ctx: TickContext, instanceId: string): Promise<ProbeOutcome> {
  const result = await runReadyCheck({
    provider: ctx.provider,
    instanceId,
    command: heartbeatCommand,
    connectTimeoutMs: ctx.heartbeat.timeoutMs,
    timeoutMs: ctx.heartbeat.timeoutMs,
    signal: ctx.probes.signal,
    logger: ctx.logger,
  });
  if (result.passed) {
    return { instanceId, kind: 'heartbeat', result: 'passed' };
  }
  return {
    instanceId,
    kind: 'heartbeat',
    result: result.notYetRunning ? 'deferred' : 'failed',
    reason: result.reason,
  };
}

/**
 * Writes one finished heartbeat: a pass resets the failure count, a failure counts toward
 * `failure_threshold` (the registry turns the instance unhealthy at it).
 */
export async function applyHeartbeatOutcome(
  ctx: ProbeContext,
  outcome: ProbeOutcome,
): Promise<FailureResult | undefined> {
  const { instanceId } = outcome;
  const base = ctx.timings.updateIntervalWhenExpectingMs;
  if (outcome.result === 'passed') {
    await ctx.registry.recordHeartbeat(instanceId, ctx.fencingToken);
    ctx.probes.deferUntil(instanceId, ctx.nowMs + ctx.heartbeat.intervalMs);
    return undefined;
  }
  if (outcome.result === 'deferred') {
    // The cloud no longer runs it (reconcile takes it out), or the probe broke: nothing counts.
    ctx.probes.deferUntil(instanceId, ctx.nowMs + base);
    return undefined;
  }
  const reason = `heartbeat failed: ${outcome.reason ?? 'error'}`;
  const failure = await ctx.registry.recordFailure(
    instanceId,
    ctx.fencingToken,
    ctx.settings.failureThreshold,
    reason,
  );
  // A suspect instance is looked at again soon, so a dead one reaches the threshold in seconds
  // rather than in heartbeat intervals.
  const waitMs = Math.min(ctx.heartbeat.intervalMs, backoffMs(failure.failureCount, base, 30_000));
  ctx.probes.deferUntil(instanceId, ctx.nowMs + waitMs);
  ctx.logger.warn({ instanceId, reason, ...failure }, 'heartbeat failed');
  return failure;
}

/**
 * Starts a heartbeat (`exit 0` over SSH) in the background on every ready or retired instance
 * whose interval has passed since it was last checked (or since it became ready).
 */
export function startHeartbeats(ctx: TickContext, snapshot: RegistrySnapshot): number {
  let started = 0;
  for (const record of snapshot.instances) {
    if (record.state !== 'ready' && record.state !== 'retired') {
      continue;
    }
    const firstAtMs = (record.readyAtMs ?? ctx.nowMs) + ctx.heartbeat.intervalMs;
    if (!ctx.probes.isDue(record.instanceId, ctx.nowMs, firstAtMs)) {
      continue;
    }
    if (ctx.probes.start(record.instanceId, 'heartbeat', () => beatOne(ctx, record.instanceId))) {
      started += 1;
    }
  }
  return started;
}
