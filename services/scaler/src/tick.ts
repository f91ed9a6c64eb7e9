import { activePolicy, chooseRemovals, countFleet, desiredInstances } from '@taskfleet/taskscaler';
import type { Plan, Removal } from '@taskfleet/taskscaler';

import { applyPlan } from './apply-plan';
import type { ApplyReport } from './apply-plan';
import type { TickContext } from './context';
import { guarded } from './guarded';
import { tendRemovalHolds } from './lifecycle-hooks';
import type { RemovalHoldReport } from './lifecycle-hooks';
import { demandOf, instanceViews } from './plan-inputs';
import { runReadyCheck } from './ready-check';
import { reconcile } from './reconcile';
import type { ReconcileReport } from './reconcile';

/** What one leader tick saw and did. */
export interface TickReport {
  readonly plan: Plan;
  /** The instances taskscaler chose to remove, with why. */
  readonly removals: readonly Removal[];
  readonly reconcile: ReconcileReport;
  readonly apply: ApplyReport;
  readonly readyPassed: readonly string[];
  readonly readyFailed: readonly string[];
  /** Cloud-held removals (termination lifecycle hooks) extended or released. */
  readonly removalHolds: RemovalHoldReport;
}

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
async function checkReadiness(
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

/**
 * One leader tick: read the group and the registry, reconcile, run ready checks, plan with
 * taskscaler and apply the plan; logs the decision as one line with every input.
 */
export async function runTick(
  ctx: TickContext,
  queuedJobs: number,
  groupMaxSize: number,
): Promise<TickReport> {
  // TODO(#4): heartbeats of ready instances, metrics, and ready checks outside the tick (a slow
  // one delays the plan and can outlive the lease).
  const members = await ctx.provider.update();
  const before = await ctx.registry.snapshot();
  const reconciled = await reconcile(ctx, members, before);
  const ready = await checkReadiness(ctx, reconciled.toCheck);
  const snapshot = await ctx.registry.snapshot();
  const removalHolds = await tendRemovalHolds(ctx, members, snapshot);
  const policy = activePolicy(ctx.settings.policies, ctx.nowMs);
  const usability = {
    maxUseCount: ctx.settings.maxUseCount,
    failureThreshold: ctx.settings.failureThreshold,
  };
  const views = instanceViews(snapshot, ctx.memory.pendingCreationsAtMs, usability);
  const cap = ctx.settings.maxInstanceCount;
  const plan = desiredInstances({
    demand: demandOf(queuedJobs, snapshot),
    fleet: countFleet(views, usability),
    policy,
    capacityPerInstance: ctx.settings.capacityPerInstance,
    // The group's MaxSize lowers the cap, so desired capacity never exceeds it (invariant 4).
    maxInstanceCount: cap === null || cap === 0 ? groupMaxSize : Math.min(cap, groupMaxSize),
  });
  const removals = chooseRemovals(views, ctx.nowMs, {
    ...usability,
    idleTimeMs: policy.idleTimeMs,
    creationTimeoutMs: ctx.creationTimeoutMs,
    plan,
  });
  const apply = await applyPlan(ctx, plan, removals, policy.idleTimeMs);
  const acted = apply.requested > 0 || removals.length > 0 || reconciled.distrusted.length > 0;
  const level = acted ? 'info' : 'debug';
  ctx.logger[level](
    {
      ...plan,
      policyIndex: policy.policyIndex,
      idleTimeMs: policy.idleTimeMs,
      groupMaxSize,
      granted: apply.granted,
      requested: apply.requested,
      removals,
      refused: apply.refused,
      adopted: reconciled.adopted,
      distrusted: reconciled.distrusted,
      cleared: reconciled.cleared,
      readyPassed: ready.passed,
      readyFailed: ready.failed,
      removalHolds,
    },
    'scaling decision',
  );
  return {
    plan,
    removals,
    reconcile: reconciled,
    apply,
    readyPassed: ready.passed,
    readyFailed: ready.failed,
    removalHolds,
  };
}
