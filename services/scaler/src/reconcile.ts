import type { InstanceState as MemberState } from '@taskfleet/fleeting';
import type { InstanceRecord, RegistrySnapshot } from '@taskfleet/registry';

import type { TickContext } from './context';
import { guarded } from './guarded';
import { drainAndTerminate, sendTermination } from './terminate';

/** What a reconcile did, for the tick's log line and for tests. */
export interface ReconcileReport {
  readonly adopted: readonly string[];
  readonly distrusted: readonly string[];
  readonly cleared: readonly string[];
  readonly cloudDeleting: readonly string[];
  /** Running instances whose ready command is still to pass. */
  readonly toCheck: readonly string[];
}

const leaving = new Set(['deleting', 'deleted']);

/** Drops pending creations older than the creation timeout: the cloud never delivered them. */
function expirePendingCreations(ctx: TickContext): void {
  const oldestMs = ctx.nowMs - ctx.creationTimeoutMs;
  ctx.memory.pendingCreationsAtMs = ctx.memory.pendingCreationsAtMs.filter(at => at > oldestMs);
}

async function adopt(ctx: TickContext, member: MemberState): Promise<void> {
  ctx.memory.pendingCreationsAtMs.shift();
  await ctx.registry.registerInstance(ctx.fencingToken, {
    instanceId: member.id,
    state: member.state === 'running' ? 'booting' : 'creating',
    capacityPerInstance: Math.max(1, ctx.settings.capacityPerInstance),
    maxUseCount: ctx.settings.maxUseCount ?? 0,
  });
}

// A member we did not ask for may have run anything: register it only to drain and remove it.
async function distrust(ctx: TickContext, member: MemberState): Promise<void> {
  await ctx.registry.registerInstance(ctx.fencingToken, {
    instanceId: member.id,
    state: 'booting',
    capacityPerInstance: Math.max(1, ctx.settings.capacityPerInstance),
    maxUseCount: ctx.settings.maxUseCount ?? 0,
  });
  await drainAndTerminate(ctx, member.id, 'untrusted');
}

async function followKnown(
  ctx: TickContext,
  member: MemberState,
  record: InstanceRecord,
  toCheck: string[],
  cloudDeleting: string[],
): Promise<void> {
  if (member.state === 'timeout') {
    // The provider gave up on it; as unhealthy it leaves capacity and the planner removes it.
    if (record.state === 'creating' || record.state === 'booting' || record.state === 'ready') {
      await ctx.registry.markUnhealthy(record.instanceId, ctx.fencingToken, 'cloud_timeout');
    }
    return;
  }
  if (leaving.has(member.state)) {
    if (record.state !== 'deleting') {
      // The cloud is removing it (or gave up on it): no new claims, running ones stay counted.
      await ctx.registry.markDeleting(record.instanceId, ctx.fencingToken, `cloud_${member.state}`);
      cloudDeleting.push(record.instanceId);
    }
    return;
  }
  if (member.state !== 'running') {
    return;
  }
  if (record.state === 'creating') {
    await ctx.registry.markBooting(record.instanceId, ctx.fencingToken);
  }
  if (record.state === 'creating' || record.state === 'booting') {
    toCheck.push(record.instanceId);
  }
}

interface MutableReport {
  adopted: string[];
  distrusted: string[];
  cleared: string[];
  cloudDeleting: string[];
  toCheck: string[];
}

async function reconcileMember(
  ctx: TickContext,
  member: MemberState,
  records: ReadonlyMap<string, InstanceRecord>,
  report: MutableReport,
): Promise<void> {
  const record = records.get(member.id);
  if (record !== undefined) {
    await followKnown(ctx, member, record, report.toCheck, report.cloudDeleting);
  } else if (leaving.has(member.state)) {
    // Going away already; nothing to trust or adopt.
  } else if (ctx.memory.pendingCreationsAtMs.length > 0) {
    // TODO(#4): the pending-creation count lives in memory; a new leader distrusts members
    // created by its predecessor that the predecessor had not registered yet.
    await adopt(ctx, member);
    report.adopted.push(member.id);
    if (member.state === 'running') {
      report.toCheck.push(member.id);
    }
  } else {
    await distrust(ctx, member);
    report.distrusted.push(member.id);
  }
}

/**
 * Brings registry and group into agreement in both directions (invariant 5): new members are
 * adopted if we asked for them and distrusted otherwise; records of vanished members are cleared;
 * unfinished termination intents are sent again.
 */
export async function reconcile(
  ctx: TickContext,
  members: readonly MemberState[],
  snapshot: RegistrySnapshot,
): Promise<ReconcileReport> {
  expirePendingCreations(ctx);
  const records = new Map(snapshot.instances.map(r => [r.instanceId, r]));
  const memberIds = new Set(members.map(m => m.id));
  const report: MutableReport = {
    adopted: [],
    distrusted: [],
    cleared: [],
    cloudDeleting: [],
    toCheck: [],
  };
  for (const member of members) {
    await guarded(ctx, member.id, 'reconcile_member', () =>
      reconcileMember(ctx, member, records, report),
    );
  }
  for (const record of snapshot.instances) {
    if (memberIds.has(record.instanceId)) {
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
  for (const intent of snapshot.terminationIntents) {
    const member = members.find(m => m.id === intent.instanceId);
    if (member !== undefined && !leaving.has(member.state)) {
      await guarded(ctx, intent.instanceId, 'resend_termination', () =>
        sendTermination(ctx, intent.instanceId, intent.reason),
      );
    }
  }
  return report;
}
