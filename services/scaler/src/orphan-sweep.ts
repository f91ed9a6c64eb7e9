import type { InstanceFacts, InstanceState as MemberState } from '@taskfleet/fleeting';

import type { TickContext } from './context';
import { finishDrain } from './terminate';

/** The reason a confirmed orphan is removed under (counted in `removalsByReason`). */
export const ORPHAN_REASON = 'orphan';

/** Sightings needed before a member without a record counts as an orphan (B30). */
export const ORPHAN_PASSES = 2;

/** What the sweep saw and did in one pass, merged into the reconcile report. */
export interface OrphanPass {
  /** Members without a record this pass, sighted or not (sightings of others are forgotten). */
  readonly unrecorded: string[];
  /** Never-used members carrying this pool's launch tags, adopted as booting (B52). */
  readonly adopted: string[];
  /** Confirmed orphans registered draining and sent for termination. */
  readonly removed: string[];
  /** Sighted, not yet confirmed (too young, or seen on one pass only). */
  readonly suspected: string[];
  /** No record, yet a claim names them: never terminated, a person should look (B30). */
  readonly held: string[];
}

/** An empty pass. */
export function newOrphanPass(): OrphanPass {
  return {
    unrecorded: [],
    adopted: [],
    removed: [],
    suspected: [],
    held: [],
  };
}

function graceBound(ctx: TickContext, facts: InstanceFacts | undefined): number {
  // With a launch time the instance's own age counts; without, the time since our first sighting.
  if (facts?.launchedAtMs !== undefined) {
    return ctx.nowMs - facts.launchedAtMs >= ctx.orphanGraceMs ? ctx.nowMs : -1;
  }
  return ctx.nowMs - ctx.orphanGraceMs;
}

async function adoptFresh(ctx: TickContext, member: MemberState): Promise<boolean> {
  const result = await ctx.registry.registerInstance(ctx.fencingToken, {
    instanceId: member.id,
    state: member.state === 'running' ? 'booting' : 'creating',
    capacityPerInstance: Math.max(1, ctx.settings.capacityPerInstance),
    maxUseCount: ctx.settings.maxUseCount ?? 0,
  });
  return result.created;
}

/**
 * Judges one group member that has no registry record and no pending creation to explain it: a
 * never-used member with this pool's launch tags is adopted (it goes through the ready check and
 * then expires by idle_time, B52); anything else is an orphan, removed only once older than the
 * boot grace and sighted on two passes, and never while any claim names it (B30, B32). Tagged
 * instances outside the group are the stray sweep's (`stray-sweep.ts`).
 * Returns whether the member was adopted (it then needs its ready check).
 */
export async function sweepUnknown(
  ctx: TickContext,
  member: MemberState,
  facts: InstanceFacts | undefined,
  pass: OrphanPass,
): Promise<boolean> {
  // Listed before the lookup: a failing lookup keeps the earlier sighting, and so its age (B32).
  pass.unrecorded.push(member.id);
  const sighting = await ctx.registry.ledger.sightOrphan(member.id, ctx.fencingToken);
  if (sighting.known) {
    return false;
  }
  const claimed = sighting.claimedBy.length > 0;
  if (!claimed && !sighting.used && !sighting.gone && facts?.ownedByPool === true) {
    if (await adoptFresh(ctx, member)) {
      pass.adopted.push(member.id);
      return true;
    }
    return false;
  }
  if (claimed) {
    pass.held.push(member.id);
    ctx.logger.error(
      { instanceId: member.id, jobIds: sighting.claimedBy },
      'orphan held: a claim names an instance without a record',
    );
    return false;
  }
  const firstSeenAtMostMs = graceBound(ctx, facts);
  if (sighting.passes < ORPHAN_PASSES || sighting.firstSeenAtMs > firstSeenAtMostMs) {
    pass.suspected.push(member.id);
    return false;
  }
  if (!ctx.guard.mayDecrement()) {
    // Stays unrecorded, so the next pass considers it again.
    ctx.logger.error({ instanceId: member.id }, 'removal held: desired capacity at claimed count');
    return false;
  }
  const taken = await ctx.registry.ledger.takeOrphan(
    {
      instanceId: member.id,
      minPasses: ORPHAN_PASSES,
      firstSeenAtMostMs,
      reason: ORPHAN_REASON,
      capacityPerInstance: ctx.settings.capacityPerInstance,
      maxUseCount: ctx.settings.maxUseCount ?? 0,
    },
    ctx.fencingToken,
  );
  if (!taken.taken) {
    ctx.logger.info({ instanceId: member.id, refused: taken.why }, 'orphan removal refused');
    return false;
  }
  pass.removed.push(member.id);
  // Registered draining with its reason: a leader dying here leaves a record no one can open,
  // and finishTerminations of the next tick sends the termination (B11).
  await finishDrain(ctx, member.id, ORPHAN_REASON);
  return false;
}

/**
 * Forgets sightings of members that left or got a record, and returns the age of the oldest
 * orphan left, in whole seconds since first sighted (0 when none); exported as the gauge
 * `taskfleet_orphan_age_seconds`, which should alert past 1 h (B32). A failure only delays the
 * forgetting and reports 0.
 */
export async function endOrphanPass(ctx: TickContext, pass: OrphanPass): Promise<number> {
  try {
    const pruned = await ctx.registry.ledger.pruneOrphanSightings(
      ctx.fencingToken,
      pass.unrecorded,
    );
    const oldest = pruned.oldestFirstSeenAtMs;
    return oldest === undefined ? 0 : Math.max(0, Math.floor((ctx.nowMs - oldest) / 1000));
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === 'stale_fencing_token') {
      throw error;
    }
    ctx.logger.warn({ err: error }, 'could not prune orphan sightings');
    return 0;
  }
}
