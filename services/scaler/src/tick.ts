import { activePolicy, chooseRemovals, countFleet, desiredInstances } from '@taskfleet/taskscaler';
import type { Plan } from '@taskfleet/taskscaler';

import { applyPlan } from './apply-plan';
import type { ApplyReport } from './apply-plan';
import { addBootOutcomes, bootFailureRatio, withBootFailures } from './boot-failures';
import type { ScalerRemoval } from './boot-failures';
import { CapacityGuard } from './capacity-guard';
import {
  creationHoldMs,
  logCreationBackoff,
  maxCreationBackoffMs,
  nextCreationBackoff,
} from './creation-backoff';
import type { TickContext } from './context';
import { groupCapacityOf } from './group-capacity';
import { tendRemovalHolds } from './lifecycle-hooks';
import type { RemovalHoldReport } from './lifecycle-hooks';
import { saveMemory } from './memory';
import { demandOf, instanceViews } from './plan-inputs';
import { startHeartbeats } from './heartbeats';
import { applyProbeOutcomes } from './probe-results';
import type { IdleConfirmations } from './idle-confirm';
import { startReadyChecks } from './readiness';
import { takeHandedWarnings } from './spot-warnings';
import { reconcile } from './reconcile';
import type { ReconcileReport } from './reconcile';
import { RemovalTally } from './removal-tally';
import { holdForCooldown, isIdleRemoval, scaleInCooldownLeftMs } from './scale-in-cooldown';
import { expectingChange, nextTickDelayMs } from './tick-schedule';

/** The group's desired capacity this tick: what we expected, what AWS reports, the difference. */
export interface CapacityReading {
  /** What our own last changes should have left; undefined before the first reading. */
  readonly expectedDesired: number | undefined;
  /** What the cloud reported this tick; undefined for providers that do not report it. */
  readonly actualDesired: number | undefined;
  /** actual − expected: a change made outside this scaler (0 when either is unknown). */
  readonly drift: number;
  /** The group's max size as read this tick (it lowers `max_instances`). */
  readonly groupMaxSize: number;
}

/** What one leader tick saw and did; telemetry exports its counts. */
export interface TickReport {
  readonly plan: Plan;
  /** The instances chosen for removal (taskscaler's choice, boot failures named), with why. */
  readonly removals: readonly ScalerRemoval[];
  /** Idle removals held back: not yet seen idle on two passes `idle_confirm` apart (B29). */
  readonly unconfirmedIdle: readonly string[];
  /** Idle removals held back by `scale_in_cooldown` (B59). */
  readonly heldByCooldown: readonly string[];
  /** What was left of the scale-in cooldown at this tick's decision; 0 when none runs. */
  readonly scaleInCooldownLeftMs: number;
  readonly reconcile: ReconcileReport;
  readonly apply: ApplyReport;
  /** Instances opened since the last tick (ready checks run in the background). */
  readonly readyPassed: readonly string[];
  /** Ready checks that failed since the last tick. */
  readonly readyFailed: readonly string[];
  /** Heartbeats that failed since the last tick. */
  readonly heartbeatFailed: readonly string[];
  /** Instances a failed ready check or heartbeat made unhealthy since the last tick. */
  readonly madeUnhealthy: readonly string[];
  /** Ready checks and heartbeats running in the background after this tick. */
  readonly probesInFlight: number;
  /** Boot failures over the last boots (`taskfleet_boot_failure_ratio`, B40); 0 before any. */
  readonly bootFailureRatio: number;
  /**
   * The creation back-off after boot failures in a row (`taskfleet_creation_backoff_seconds`):
   * how many, and how long creations are still held after this tick.
   */
  readonly creationBackoff: {
    readonly consecutiveBootFailures: number;
    readonly remainingMs: number;
  };
  /** Cloud-held removals (termination lifecycle hooks) extended or released. */
  readonly removalHolds: RemovalHoldReport;
  readonly capacity: CapacityReading;
  /** Instances wanted (within `max_instances`) that the group's max size cut off (B58). */
  readonly cappedByAsgMax: number;
  /** Terminations sent this tick (and failed creations, losses and spot warnings seen), by reason. */
  readonly removalsByReason: Readonly<Record<string, number>>;
  /**
   * Seconds since the oldest current orphan (a member without a record) was first seen; 0 when
   * none. Exported as the gauge `taskfleet_orphan_age_seconds`; alert past 3600 (B32).
   */
  readonly orphanAgeSeconds: number;
  /** Instances taken out of service this tick on a spot warning handed on by another watch. */
  readonly handedWarnings: readonly string[];
  /** Creations asked for and not yet listed by the cloud, after this tick. */
  readonly pendingCreations: number;
  /** Whether a change is outstanding, so the next tick comes at the faster interval. */
  readonly expecting: boolean;
  readonly nextTickDelayMs: number;
}

/** A tick's context before the per-tick guard and tally are made. */
export type TickSetup = Omit<TickContext, 'guard' | 'tally'> & {
  readonly idleConfirm: IdleConfirmations;
  /** `scale_in_cooldown`; 0 for none. */
  readonly scaleInCooldownMs: number;
  /** Removals made since the last tick outside it (spot warnings), counted in this report. */
  readonly carriedRemovals?: readonly string[];
};

function readCapacity(setup: TickSetup, initMaxSize: number, expected: number | undefined) {
  const group = groupCapacityOf(setup.provider);
  const actual = group?.desiredCapacity;
  const drift = expected === undefined || actual === undefined ? 0 : actual - expected;
  if (drift !== 0) {
    setup.logger.warn({ expected, actual, drift }, 'desired capacity drift');
  }
  return {
    expectedDesired: expected,
    actualDesired: actual,
    drift,
    groupMaxSize: group?.maxSize ?? initMaxSize,
  };
}

function asgCapped(ctx: TickContext, plan: Plan, groupMaxSize: number): number {
  const cap = ctx.settings.maxInstanceCount;
  const configured = cap === null || cap === 0 ? Infinity : cap;
  const capped = Math.max(0, Math.min(plan.wantedInstances, configured) - groupMaxSize);
  if (capped > 0) {
    ctx.logger.warn(
      { wantedInstances: plan.wantedInstances, maxInstanceCount: cap, groupMaxSize, capped },
      'capped_by_asg_max',
    );
  }
  return capped;
}

/**
 * One leader tick: read the group and the registry, reconcile, run ready checks, plan with
 * taskscaler and apply the plan; logs the decision as one line with every input.
 */
export async function runTick(
  setup: TickSetup,
  queuedJobs: number,
  initMaxSize: number,
): Promise<TickReport> {
  const expected =
    setup.memory.expectedDesiredCapacity ?? groupCapacityOf(setup.provider)?.desiredCapacity;
  // What the background probes found since the last tick, written first with this tick's token
  // so reconcile and the plan see it.
  const probed = await applyProbeOutcomes(setup, setup.probes.take());
  const members = await setup.provider.update();
  const capacity = readCapacity(setup, initMaxSize, expected);
  const before = await setup.registry.snapshot();
  // A deleting instance no longer counts toward desired capacity, busy or not.
  const busy = before.instances.filter(r => r.claimedSlots > 0 && r.state !== 'deleting').length;
  const ctx: TickContext = {
    ...setup,
    guard: new CapacityGuard(capacity.actualDesired, busy),
    tally: new RemovalTally(),
  };
  for (const reason of setup.carriedRemovals ?? []) {
    ctx.tally.add(reason);
  }
  // Warnings another process's watch received for our instances (spot-handoff.ts).
  const handedWarnings = await takeHandedWarnings(ctx, before);
  const reconciled = await reconcile(ctx, members, before, capacity.actualDesired);
  const openedNow = await startReadyChecks(ctx, reconciled.toCheck);
  const snapshot = await ctx.registry.snapshot();
  ctx.probes.retain(new Set(snapshot.instances.map(r => r.instanceId)));
  startHeartbeats(ctx, snapshot);
  const ready = { passed: [...probed.readyPassed, ...openedNow], failed: probed.readyFailed };
  const removalHolds = await tendRemovalHolds(ctx, members, snapshot);
  const policy = activePolicy(ctx.settings.policies, ctx.nowMs);
  const usability = {
    maxUseCount: ctx.settings.maxUseCount,
    failureThreshold: ctx.settings.failureThreshold,
  };
  const views = instanceViews(snapshot, ctx.memory.pendingCreationsAtMs, usability);
  const cap = ctx.settings.maxInstanceCount;
  const groupMaxSize = capacity.groupMaxSize;
  // The group's MaxSize lowers the cap, so desired capacity never exceeds it (invariant 4).
  const capCount = cap === null || cap === 0 ? groupMaxSize : Math.min(cap, groupMaxSize);
  const plan = desiredInstances({
    demand: demandOf(queuedJobs, snapshot),
    fleet: countFleet(views, usability),
    policy,
    capacityPerInstance: ctx.settings.capacityPerInstance,
    maxInstanceCount: capCount,
  });
  const cappedByAsgMax = asgCapped(ctx, plan, groupMaxSize);
  const chosen = chooseRemovals(views, ctx.nowMs, {
    ...usability,
    idleTimeMs: policy.idleTimeMs,
    creationTimeoutMs: ctx.creationTimeoutMs,
    plan,
  });
  setup.idleConfirm.observe(snapshot, ctx.nowMs);
  const { confirmed, unconfirmed: unconfirmedIdle } = setup.idleConfirm.confirm(
    withBootFailures(chosen, snapshot),
    ctx.nowMs,
  );
  // Read from the memory in Redis, so a restart inside the cooldown does not scale in early.
  const cooldownLeftMs = scaleInCooldownLeftMs(ctx.memory, setup.scaleInCooldownMs, ctx.nowMs);
  const { allowed: removals, held: heldByCooldown } = holdForCooldown(confirmed, cooldownLeftMs);
  // A ready instance ends the creation back-off before this tick's creations are decided.
  const backoffBefore = ctx.memory.creationBackoff;
  ctx.memory.creationBackoff = nextCreationBackoff(
    backoffBefore,
    { ready: ready.passed.length, failed: 0 },
    ctx.nowMs,
    ctx.timings.updateIntervalWhenExpectingMs,
    maxCreationBackoffMs,
  );
  const apply = await applyPlan(ctx, plan, removals, policy.idleTimeMs, capCount);
  if (removals.some(r => isIdleRemoval(r) && apply.terminated.includes(r.id))) {
    ctx.memory.lastIdleRemovalAtMs = ctx.nowMs;
  }
  const bootsFailed = removals.filter(
    r => r.reason === 'boot_failed' && apply.terminated.includes(r.id),
  ).length;
  ctx.memory.bootOutcomes = addBootOutcomes(
    ctx.memory.bootOutcomes,
    ready.passed.length,
    bootsFailed,
  );
  const ratio = bootFailureRatio(ctx.memory.bootOutcomes);
  ctx.memory.creationBackoff = nextCreationBackoff(
    ctx.memory.creationBackoff,
    { ready: 0, failed: bootsFailed },
    ctx.nowMs,
    ctx.timings.updateIntervalWhenExpectingMs,
    maxCreationBackoffMs,
  );
  logCreationBackoff(ctx.logger, backoffBefore, ctx.memory.creationBackoff, ctx.nowMs);
  const creationBackoff = {
    consecutiveBootFailures: ctx.memory.creationBackoff.consecutiveBootFailures,
    remainingMs: creationHoldMs(ctx.memory.creationBackoff, ctx.nowMs),
  };
  ctx.memory.expectedDesiredCapacity =
    groupCapacityOf(ctx.provider)?.desiredCapacity ?? ctx.memory.expectedDesiredCapacity;
  await saveMemory(ctx.registry, ctx.fencingToken, ctx.memory);
  const expecting = expectingChange({
    snapshot,
    pendingCreations: ctx.memory.pendingCreationsAtMs.length,
    toCreate: plan.toCreate,
    granted: apply.granted,
    requested: apply.requested,
    terminated: apply.terminated.length,
    probing: ctx.probes.inFlight > 0 || ctx.probes.hasFinished,
  });
  const removalsByReason = ctx.tally.toRecord();
  const acted =
    apply.requested > 0 ||
    removals.length > 0 ||
    reconciled.distrusted.length > 0 ||
    reconciled.lost.length > 0 ||
    Object.keys(removalsByReason).length > 0;
  ctx.logger[acted ? 'info' : 'debug'](
    {
      ...plan,
      policyIndex: policy.policyIndex,
      idleTimeMs: policy.idleTimeMs,
      groupMaxSize,
      granted: apply.granted,
      requested: apply.requested,
      increaseError: apply.increaseError,
      removals,
      removalsByReason,
      refused: apply.refused,
      adopted: reconciled.adopted,
      distrusted: reconciled.distrusted,
      suspectedOrphans: reconciled.suspectedOrphans,
      heldOrphans: reconciled.heldOrphans,
      orphanAgeSeconds: reconciled.orphanAgeSeconds,
      strays: reconciled.strays,
      heldOutside: reconciled.heldOutside,
      handedWarnings,
      lost: reconciled.lost,
      cleared: reconciled.cleared,
      createFailed: reconciled.createFailed,
      resent: reconciled.resent,
      readyPassed: ready.passed,
      readyFailed: ready.failed,
      heartbeatFailed: probed.heartbeatFailed,
      madeUnhealthy: probed.madeUnhealthy,
      unconfirmedIdle,
      heldByCooldown,
      scaleInCooldownLeftMs: cooldownLeftMs,
      probesInFlight: ctx.probes.inFlight,
      bootFailureRatio: ratio,
      creationBackoffMs: creationBackoff.remainingMs,
      heldByBootBackoff: apply.heldByBootBackoff,
      heldByScaleThrottle: apply.heldByScaleThrottle,
      heldByLaunchBudget: apply.heldByLaunchBudget,
      removalHolds,
      desiredCapacity: capacity.actualDesired,
      drift: capacity.drift,
      cappedByAsgMax,
      pendingCreations: ctx.memory.pendingCreationsAtMs.length,
    },
    'scaling decision',
  );
  return {
    plan,
    removals,
    unconfirmedIdle,
    heldByCooldown,
    scaleInCooldownLeftMs: cooldownLeftMs,
    reconcile: reconciled,
    apply,
    readyPassed: ready.passed,
    readyFailed: ready.failed,
    heartbeatFailed: probed.heartbeatFailed,
    madeUnhealthy: probed.madeUnhealthy,
    probesInFlight: ctx.probes.inFlight,
    bootFailureRatio: ratio,
    creationBackoff,
    removalHolds,
    capacity,
    cappedByAsgMax,
    removalsByReason,
    orphanAgeSeconds: reconciled.orphanAgeSeconds,
    handedWarnings,
    pendingCreations: ctx.memory.pendingCreationsAtMs.length,
    expecting,
    nextTickDelayMs: nextTickDelayMs(expecting, ctx.timings),
  };
}
