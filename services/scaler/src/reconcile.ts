import type { InstanceFacts, InstanceState as MemberState } from '@taskfleet/fleeting';
import type { InstanceRecord, RegistrySnapshot, TerminationIntent } from '@taskfleet/registry';

import { readFacts } from './cloud-facts';
import type { TickContext } from './context';
import { guarded } from './guarded';
import { markLost } from './lost-instances';
import { SPOT_INTERRUPTION_REASON } from './spot-warnings';
import { endOrphanPass, newOrphanPass, sweepUnknown } from './orphan-sweep';
import type { OrphanPass } from './orphan-sweep';
import { expirePendingCreations, trimPendingCreations } from './pending-creations';
import { newStrayPass, sweepStrays } from './stray-sweep';
import { drainAndTerminate, finishDrain, sendTermination } from './terminate';

/** What a reconcile did, for the tick's log line and for tests. */
export interface ReconcileReport {
  readonly adopted: readonly string[];
  /** Confirmed orphans (no record, older than the grace, seen twice) sent for termination. */
  readonly distrusted: readonly string[];
  /** Members without a record seen, not yet confirmed as orphans (B30). */
  readonly suspectedOrphans: readonly string[];
  /** Members without a record that a claim names: never terminated (B30). */
  readonly heldOrphans: readonly string[];
  /** Seconds since the oldest current orphan was first seen; 0 when none (B32). */
  readonly orphanAgeSeconds: number;
  /**
   * Instances with the pool's launch tags outside the group (B52): `swept` whether the pool
   * looked this tick; confirmed ones ended (`removed`), unconfirmed (`suspected`), or kept
   * because a claim names them (`held`).
   */
  readonly strays: {
    readonly swept: boolean;
    readonly removed: readonly string[];
    readonly suspected: readonly string[];
    readonly held: readonly string[];
  };
  /** Instances the cloud ended without our asking (spot, outside), tombstoned this tick (B33). */
  readonly lost: readonly string[];
  readonly cleared: readonly string[];
  /** Records of instances alive outside the group with claims: kept (deleting) until they end. */
  readonly heldOutside: readonly string[];
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

/** The reason of a record whose instance left the group without our asking. */
const GONE_FROM_GROUP = 'gone_from_group';

/** Taken out of service by a spot warning (B50); the reclaim is still to be recorded. */
const warned = (record: InstanceRecord) =>
  record.state === 'deleting' && record.reason === SPOT_INTERRUPTION_REASON;

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

const neverReady = (record: InstanceRecord) =>
  record.state === 'creating' || record.state === 'booting';

async function followKnown(
  ctx: TickContext,
  member: MemberState,
  record: InstanceRecord,
  report: MutableReport,
  lostBy: InstanceFacts['lostBy'],
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
    if (lostBy !== undefined && !neverReady(record)) {
      // Ended under us without notice (B33), or reclaimed after a spot warning (B50): gone at
      // once, not merely deleting.
      await markLost(ctx, record.instanceId, lostBy, record.reason);
      report.lost.push(record.instanceId);
    } else if (record.state !== 'deleting') {
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

interface MemberInputs {
  readonly records: ReadonlyMap<string, InstanceRecord>;
  readonly facts: ReadonlyMap<string, InstanceFacts>;
  readonly orphans: OrphanPass;
}

async function reconcileMember(
  ctx: TickContext,
  member: MemberState,
  inputs: MemberInputs,
  report: MutableReport,
): Promise<void> {
  const record = inputs.records.get(member.id);
  if (record !== undefined) {
    await followKnown(ctx, member, record, report, inputs.facts.get(member.id)?.lostBy);
    return;
  }
  if (leaving.has(member.state)) {
    // Going away already; nothing to trust or adopt.
    return;
  }
  let adopted = false;
  if (ctx.memory.pendingCreationsAtMs.length > 0) {
    await adopt(ctx, member);
    adopted = true;
  } else {
    adopted = await sweepUnknown(ctx, member, inputs.facts.get(member.id), inputs.orphans);
  }
  if (adopted) {
    report.adopted.push(member.id);
    if (member.state === 'running') {
      report.toCheck.push(member.id);
    }
  }
}

/** Ids the cloud must be asked about: members without a record, ends we did not ask for. */
function idsToInspect(
  members: readonly MemberState[],
  snapshot: RegistrySnapshot,
  records: ReadonlyMap<string, InstanceRecord>,
): string[] {
  const intents = new Set(snapshot.terminationIntents.map(i => i.instanceId));
  // Deleting on a spot warning (B50) is the cloud's doing, not ours: its end is looked up.
  const ours = (id: string) => {
    const record = records.get(id);
    // So is the life of one that left the group (detached): it may still run jobs.
    return (
      intents.has(id) ||
      (record?.state === 'deleting' && !warned(record) && record.reason !== GONE_FROM_GROUP)
    );
  };
  const listed = new Set(members.map(m => m.id));
  return [
    ...members
      .filter(m => (records.has(m.id) ? leaving.has(m.state) : !leaving.has(m.state)))
      .map(m => m.id),
    ...snapshot.instances.map(r => r.instanceId).filter(id => !listed.has(id)),
  ].filter(id => !ours(id));
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
 * adopted if we asked for them (or they are never-used launches of this pool) and otherwise swept
 * as orphans once confirmed, and so are the pool's tagged instances outside the group (every
 * stray sweep interval); instances the cloud ended under us are tombstoned (B33); records of
 * vanished members are cleared;
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
    heldOutside: [],
    cloudDeleting: [],
    toCheck: [],
    createFailed: [],
    resent: [],
    finishedDrains: [],
    suspectedOrphans: [],
    heldOrphans: [],
    orphanAgeSeconds: 0,
    strays: newStrayPass(),
    lost: [],
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
  const inputs: MemberInputs = {
    records,
    facts: await readFacts(ctx, idsToInspect(members, snapshot, records)),
    orphans: newOrphanPass(),
  };
  for (const member of ordered) {
    // One member's failure (a lookup, a termination) never ends the pass for the others (B32).
    await guarded(ctx, member.id, 'reconcile_member', () =>
      reconcileMember(ctx, member, inputs, report),
    );
  }
  const strays = newStrayPass();
  await sweepStrays(ctx, inputs.orphans, strays);
  report.strays = strays;
  report.orphanAgeSeconds = await endOrphanPass(ctx, inputs.orphans);
  report.distrusted.push(...inputs.orphans.removed);
  report.suspectedOrphans.push(...inputs.orphans.suspected);
  report.heldOrphans.push(...inputs.orphans.held);
  for (const record of snapshot.instances) {
    if (byId.has(record.instanceId)) {
      continue;
    }
    await guarded(ctx, record.instanceId, 'clear', async () => {
      const facts = inputs.facts.get(record.instanceId);
      const lostBy = facts?.lostBy;
      if (facts !== undefined && lostBy === undefined && record.claimedSlots > 0) {
        // Out of the group (detached) yet alive and running jobs: no new claims, and the record
        // keeps its claims until they end. Clearing it would drop them, and the stray sweep
        // would then end a busy instance (invariant 3); cleared later, it is swept as a stray.
        if (record.state !== 'deleting') {
          await ctx.registry.markDeleting(record.instanceId, ctx.fencingToken, GONE_FROM_GROUP);
        }
        report.heldOutside.push(record.instanceId);
        return;
      }
      if (lostBy !== undefined && (record.state !== 'deleting' || warned(record))) {
        await markLost(ctx, record.instanceId, lostBy, record.reason);
        report.lost.push(record.instanceId);
      } else if (record.state !== 'deleting') {
        await ctx.registry.markDeleting(record.instanceId, ctx.fencingToken, GONE_FROM_GROUP);
      }
      await ctx.registry.clearInstance(record.instanceId, ctx.fencingToken);
      report.cleared.push(record.instanceId);
    });
  }
  await finishTerminations(ctx, byId, snapshot, report);
  report.trimmedCreations = trimPendingCreations(ctx, members, desiredCapacity);
  return report;
}
