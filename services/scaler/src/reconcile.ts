import type { InstanceState as MemberState } from '@taskfleet/fleeting';
import type { InstanceRecord, RegistrySnapshot, TerminationIntent } from '@taskfleet/registry';

import type { TickContext } from './context';
import { guarded } from './guarded';
import { expirePendingCreations, trimPendingCreations } from './pending-creations';
import { drainAndTerminate, finishDrain, sendTermination } from './terminate';

/** What a reconcile did, for the tick's log line and for tests. */
export interface ReconcileReport {
  readonly adopted: readonly string[];
  readonly distrusted: readonly string[];
  readonly cleared: readonly string[];
  readonly cloudDeleting: readonly string[];
  /** Running instances whose ready command is still to pass. */
  readonly toCheck: readonly string[];
  /** Instances the cloud gave up on before they were ever ready (B26), counted `create_failed`. */
  readonly createFailed: readonly string[];
  /** Recorded terminations sent again: never sent (a crash), or without effect for too long. */
  readonly resent: readonly string[];
  /** Drained instances left without an intent (a crash between the two) and now terminated. */
  readonly finishedDrains: readonly string[];
  /** Pending creations given up after the creation timeout. */
  readonly expiredCreations: number;
  /** Pending creations dropped because the cloud is not launching them. */
  readonly trimmedCreations: number;
}

type MutableReport = {
  -readonly [K in keyof ReconcileReport]: ReconcileReport[K] extends readonly (infer U)[]
    ? U[]
    : ReconcileReport[K];
};

const leaving = new Set(['deleting', 'deleted']);

async function adopt(ctx: TickContext, member: MemberState): Promise<void> {
  await ctx.registry.registerInstance(ctx.fencingToken, {
    instanceId: member.id,
    state: member.state === 'running' ? 'booting' : 'creating',
    capacityPerInstance: Math.max(1, ctx.settings.capacityPerInstance),
    maxUseCount: ctx.settings.maxUseCount ?? 0,
  });
  // Only once it is recorded: if the registration failed, the next tick adopts it again.
  ctx.memory.pendingCreationsAtMs.shift();
}

// A member we did not ask for may have run anything: it is registered already draining, with
// its reason, in one atomic step, so a leader that dies before terminating it leaves a record no
// later leader can ready-check or open (invariant 5); finishTerminations completes the removal.
async function distrust(ctx: TickContext, member: MemberState): Promise<void> {
  if (!ctx.guard.mayDecrement()) {
    // Left unknown, so the next tick distrusts it again rather than checking it into service.
    ctx.logger.error({ instanceId: member.id }, 'removal held: desired capacity at claimed count');
    return;
  }
  await ctx.registry.registerInstance(ctx.fencingToken, {
    instanceId: member.id,
    state: 'draining',
    reason: 'untrusted',
    capacityPerInstance: Math.max(1, ctx.settings.capacityPerInstance),
    maxUseCount: ctx.settings.maxUseCount ?? 0,
  });
  await finishDrain(ctx, member.id, 'untrusted');
}

const neverReady = (record: InstanceRecord) =>
  record.state === 'creating' || record.state === 'booting';

async function followKnown(
  ctx: TickContext,
  member: MemberState,
  record: InstanceRecord,
  report: MutableReport,
): Promise<void> {
  if (member.state === 'timeout') {
    if (neverReady(record)) {
      // The cloud could not finish it: remove it ourselves, it must not linger (B26).
      report.createFailed.push(record.instanceId);
      await drainAndTerminate(ctx, record.instanceId, 'create_failed');
    } else if (record.state === 'ready') {
      // As unhealthy it leaves capacity and the planner removes it.
      await ctx.registry.markUnhealthy(record.instanceId, ctx.fencingToken, 'cloud_timeout');
    }
    return;
  }
  if (leaving.has(member.state)) {
    if (record.state !== 'deleting') {
      const failed = neverReady(record);
      // The cloud is removing it (or gave up on it): no new claims, running ones stay counted.
      await ctx.registry.markDeleting(
        record.instanceId,
        ctx.fencingToken,
        failed ? 'create_failed' : `cloud_${member.state}`,
      );
      report.cloudDeleting.push(record.instanceId);
      if (failed) {
        // A launch that died on the way (B26): the group still counts it in desired capacity
        // and launches its replacement, which is the creation we asked for.
        report.createFailed.push(record.instanceId);
        ctx.tally.add('create_failed');
        ctx.memory.pendingCreationsAtMs.push(ctx.nowMs);
      }
    }
    return;
  }
  if (member.state !== 'running') {
    return;
  }
  if (record.state === 'creating') {
    await ctx.registry.markBooting(record.instanceId, ctx.fencingToken);
  }
  if (neverReady(record)) {
    report.toCheck.push(record.instanceId);
  }
}

async function reconcileMember(
  ctx: TickContext,
  member: MemberState,
  records: ReadonlyMap<string, InstanceRecord>,
  report: MutableReport,
): Promise<void> {
  const record = records.get(member.id);
  if (record !== undefined) {
    await followKnown(ctx, member, record, report);
  } else if (leaving.has(member.state)) {
    // Going away already; nothing to trust or adopt.
  } else if (ctx.memory.pendingCreationsAtMs.length > 0) {
    await adopt(ctx, member);
    report.adopted.push(member.id);
    if (member.state === 'running') {
      report.toCheck.push(member.id);
    }
  } else {
    report.distrusted.push(member.id);
    await distrust(ctx, member);
  }
}

function dueForSending(ctx: TickContext, intent: TerminationIntent): boolean {
  // Never sent: the leader that recorded it died first (B08); send it now. Sent: only again
  // once deletion_retry_interval passed without the cloud acting on it.
  return (
    intent.sentAtMs === undefined ||
    ctx.nowMs - intent.sentAtMs >= ctx.timings.deletionRetryIntervalMs
  );
}

async function finishTerminations(
  ctx: TickContext,
  members: ReadonlyMap<string, MemberState>,
  snapshot: RegistrySnapshot,
  report: MutableReport,
): Promise<void> {
  const intents = new Map(snapshot.terminationIntents.map(i => [i.instanceId, i]));
  for (const intent of intents.values()) {
    const member = members.get(intent.instanceId);
    if (member === undefined || leaving.has(member.state) || !dueForSending(ctx, intent)) {
      continue;
    }
    const sent = await guarded(ctx, intent.instanceId, 'resend_termination', () =>
      sendTermination(ctx, intent.instanceId, intent.reason),
    );
    if (sent === true) {
      report.resent.push(intent.instanceId);
    }
  }
  for (const record of snapshot.instances) {
    const member = members.get(record.instanceId);
    if (
      record.state !== 'draining' ||
      intents.has(record.instanceId) ||
      member === undefined ||
      leaving.has(member.state)
    ) {
      continue;
    }
    // Draining holds no claim and takes none, so finishing the removal is always safe.
    const outcome = await guarded(ctx, record.instanceId, 'finish_drain', () =>
      finishDrain(ctx, record.instanceId, record.reason ?? 'drained'),
    );
    if (outcome === 'terminated') {
      report.finishedDrains.push(record.instanceId);
    }
  }
}

/**
 * Brings registry and group into agreement in both directions (invariant 5): new members are
 * adopted if we asked for them and distrusted otherwise; records of vanished members are cleared;
 * unfinished terminations and drains are finished; pending creations are kept to what the cloud
 * is still launching.
 */
export async function reconcile(
  ctx: TickContext,
  members: readonly MemberState[],
  snapshot: RegistrySnapshot,
  desiredCapacity: number | undefined,
): Promise<ReconcileReport> {
  const report: MutableReport = {
    adopted: [],
    distrusted: [],
    cleared: [],
    cloudDeleting: [],
    toCheck: [],
    createFailed: [],
    resent: [],
    finishedDrains: [],
    expiredCreations: expirePendingCreations(ctx),
    trimmedCreations: 0,
  };
  const records = new Map(snapshot.instances.map(r => [r.instanceId, r]));
  const byId = new Map(members.map(m => [m.id, m]));
  // Known members first: a failed creation seen there gives its pending creation back before
  // the group's replacement for it, listed in the same answer, is looked at.
  const ordered = [
    ...members.filter(m => records.has(m.id)),
    ...members.filter(m => !records.has(m.id)),
  ];
  for (const member of ordered) {
    await guarded(ctx, member.id, 'reconcile_member', () =>
      reconcileMember(ctx, member, records, report),
    );
  }
  for (const record of snapshot.instances) {
    if (byId.has(record.instanceId)) {
      continue;
    }
    await guarded(ctx, record.instanceId, 'clear', async () => {
      if (record.state !== 'deleting') {
        await ctx.registry.markDeleting(record.instanceId, ctx.fencingToken, 'gone_from_group');
      }
      await ctx.registry.clearInstance(record.instanceId, ctx.fencingToken);
      report.cleared.push(record.instanceId);
    });
  }
  await finishTerminations(ctx, byId, snapshot, report);
  report.trimmedCreations = trimPendingCreations(ctx, members, desiredCapacity);
  return report;
}
