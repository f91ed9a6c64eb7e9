import { supportsRemovalHolds } from '@taskfleet/fleeting';
import type { InstanceState as MemberState, RemovalHoldGroup } from '@taskfleet/fleeting';
import type { InstanceRecord, RegistrySnapshot } from '@taskfleet/registry';

import type { TickContext } from './context';
import { guarded } from './guarded';

/** What one tick did with removals the cloud holds for us (termination lifecycle hooks). */
export interface RemovalHoldReport {
  /** Held members still running jobs whose hold we extended this tick. */
  readonly extended: readonly string[];
  /** Held members with no job left that we let go. */
  readonly released: readonly string[];
  /** Held members still running jobs whose hold did not need extending yet. */
  readonly waiting: readonly string[];
}

const none: RemovalHoldReport = { extended: [], released: [], waiting: [] };

/**
 * Whether the hold must be extended now: never extended by us, or the next tick would come
 * after half its timeout, so one lost call still leaves time for another before the cloud acts.
 */
function dueForExtension(
  lastMs: number | undefined,
  nowMs: number,
  timeoutMs: number,
  intervalMs: number,
): boolean {
  return lastMs === undefined || nowMs - lastMs + intervalMs >= timeoutMs / 2;
}

async function tendOne(
  ctx: TickContext,
  provider: RemovalHoldGroup,
  member: MemberState & { removalHold: { timeoutMs: number } },
  record: InstanceRecord | undefined,
  extendedAtMs: Map<string, number>,
): Promise<'extended' | 'released' | 'waiting'> {
  const claimedSlots = record?.claimedSlots ?? 0;
  // A member with no record never had a claim of ours. One not yet deleting (its mark failed
  // this tick) could still take a claim, so it waits for the next tick's reconcile.
  if (claimedSlots === 0 && (record === undefined || record.state === 'deleting')) {
    // The member is deleting in the registry (reconcile marked it before this snapshot), so no
    // claim can land after this read: letting the cloud go ahead ends no job (invariant 3).
    await provider.releaseRemovalHold(member.id);
    extendedAtMs.delete(member.id);
    ctx.logger.info({ instanceId: member.id }, 'removal hold released');
    return 'released';
  }
  const { timeoutMs } = member.removalHold;
  const intervalMs = ctx.settings.updateIntervalMs;
  if (claimedSlots === 0) {
    return 'waiting';
  }
  if (!dueForExtension(extendedAtMs.get(member.id), ctx.nowMs, timeoutMs, intervalMs)) {
    return 'waiting';
  }
  if (intervalMs >= timeoutMs) {
    ctx.logger.warn({ instanceId: member.id, timeoutMs, intervalMs }, 'removal hold outlasts tick');
  }
  await provider.extendRemovalHold(member.id);
  extendedAtMs.set(member.id, ctx.nowMs);
  ctx.logger.info({ instanceId: member.id, claimedSlots }, 'removal hold extended');
  return 'extended';
}

/**
 * For each member the cloud is removing on its own but holds for us (an instance refresh with a
 * termination hook): keeps the hold while its jobs run, and releases it once none is left.
 * Call after reconcile, with a snapshot read after it: reconcile has marked such members
 * deleting, so they take no new claims.
 */
export async function tendRemovalHolds(
  ctx: TickContext,
  members: readonly MemberState[],
  snapshot: RegistrySnapshot,
): Promise<RemovalHoldReport> {
  const provider = ctx.provider;
  const held = members.filter(
    (m): m is MemberState & { removalHold: { timeoutMs: number } } => m.removalHold !== undefined,
  );
  const extendedAtMs = (ctx.memory.removalHoldsExtendedAtMs ??= new Map<string, number>());
  for (const id of extendedAtMs.keys()) {
    if (!held.some(m => m.id === id)) {
      extendedAtMs.delete(id);
    }
  }
  if (held.length === 0 || !supportsRemovalHolds(provider)) {
    return none;
  }
  const records = new Map(snapshot.instances.map(r => [r.instanceId, r]));
  const report = { extended: [] as string[], released: [] as string[], waiting: [] as string[] };
  for (const member of held) {
    const outcome = await guarded(ctx, member.id, 'removal_hold', () =>
      tendOne(ctx, provider, member, records.get(member.id), extendedAtMs),
    );
    if (outcome !== undefined) {
      report[outcome].push(member.id);
    }
  }
  return report;
}
