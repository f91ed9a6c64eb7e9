import type { TickContext } from './context';
import { guarded } from './guarded';
import { applyHeartbeatOutcome } from './heartbeats';
import type { ProbeOutcome } from './health-probes';
import { applyReadyOutcome } from './readiness';

/** What applying probe outcomes needs: a led tick's registry, token and settings. */
export type ProbeContext = Pick<
  TickContext,
  'registry' | 'fencingToken' | 'settings' | 'timings' | 'probes' | 'logger' | 'nowMs' | 'heartbeat'
>;

/** What the probes finished since the last tick found, once written. */
export interface ProbeReport {
  readonly readyPassed: readonly string[];
  readonly readyFailed: readonly string[];
  readonly heartbeatFailed: readonly string[];
  /** Instances a failed ready check or heartbeat made unhealthy (failure_threshold reached). */
  readonly madeUnhealthy: readonly string[];
}

/**
 * Writes the outcomes of the probes finished since the last tick, with this tick's fencing
 * token (a stale one ends the tick, as any fenced write does); one instance's error is logged
 * and the others go on.
 */
export async function applyProbeOutcomes(
  ctx: ProbeContext,
  outcomes: readonly ProbeOutcome[],
): Promise<ProbeReport> {
  const report = {
    readyPassed: [] as string[],
    readyFailed: [] as string[],
    heartbeatFailed: [] as string[],
    madeUnhealthy: [] as string[],
  };
  for (const outcome of outcomes) {
    const id = outcome.instanceId;
    if (outcome.kind === 'ready') {
      const applied = await guarded(ctx, id, 'ready_check', () => applyReadyOutcome(ctx, outcome));
      if (applied === 'passed') {
        report.readyPassed.push(id);
      } else if (applied !== undefined) {
        report.readyFailed.push(id);
        if (applied.unhealthy) {
          report.madeUnhealthy.push(id);
        }
      }
      continue;
    }
    const failure = await guarded(ctx, id, 'heartbeat', () => applyHeartbeatOutcome(ctx, outcome));
    if (failure !== undefined) {
      report.heartbeatFailed.push(id);
      if (failure.unhealthy) {
        report.madeUnhealthy.push(id);
      }
    }
  }
  return report;
}
