import { supportsStrays } from '@taskfleet/fleeting';
import type { StrayInstance } from '@taskfleet/fleeting';

import type { TickContext } from './context';
import { guarded } from './guarded';
import { ORPHAN_PASSES, ORPHAN_REASON } from './orphan-sweep';
import type { OrphanPass } from './orphan-sweep';

/** Default time between two stray sweeps of a pool (one shared DescribeInstances a round). */
export const DEFAULT_STRAY_SWEEP_INTERVAL_MS = 60_000;

/**
 * When a pool last looked for strays and what it saw, carried from tick to tick by the scaler.
 * Process memory only: a new leader looks at once, and the sightings themselves live in Redis.
 */
export class StraySchedule {
  private lastSweepAtMs: number | undefined;
  /** Strays seen by the last sweep: their sightings are kept between sweeps (pruned otherwise). */
  private lastIds: readonly string[] = [];

  constructor(readonly intervalMs: number = DEFAULT_STRAY_SWEEP_INTERVAL_MS) {}

  /** Whether a sweep is due at `nowMs`: never swept here, or a whole interval since the last. */
  due(nowMs: number): boolean {
    return this.lastSweepAtMs === undefined || nowMs - this.lastSweepAtMs >= this.intervalMs;
  }

  /** Records a sweep (or a failed listing) at `nowMs`; `ids` undefined keeps the last ones. */
  swept(nowMs: number, ids?: readonly string[]): void {
    this.lastSweepAtMs = nowMs;
    if (ids !== undefined) {
      this.lastIds = ids;
    }
  }

  /** The strays of the last sweep. */
  get seenIds(): readonly string[] {
    return this.lastIds;
  }
}

/** What the stray sweep saw and did, merged into the reconcile report. */
export interface StrayPass {
  /** Whether the pool looked for strays this tick (it does every `intervalMs`). */
  swept: boolean;
  /** Confirmed strays whose termination the cloud accepted (or found gone). */
  readonly removed: string[];
  /** Strays seen, not yet confirmed (too young, or seen on one sweep only). */
  readonly suspected: string[];
  /** Strays a claim names: never ended, a person should look (B30). */
  readonly held: string[];
}

/** An empty stray pass. */
export function newStrayPass(): StrayPass {
  return { swept: false, removed: [], suspected: [], held: [] };
}

function oldEnough(ctx: TickContext, stray: StrayInstance, firstSeenAtMs: number): boolean {
  // Its own launch time when the cloud says, else the time since our first sighting.
  const sinceMs = stray.launchedAtMs ?? firstSeenAtMs;
  return ctx.nowMs - sinceMs >= ctx.orphanGraceMs;
}

async function judge(ctx: TickContext, stray: StrayInstance, pass: StrayPass): Promise<boolean> {
  const sighting = await ctx.registry.ledger.sightOrphan(stray.id, ctx.fencingToken);
  if (sighting.known) {
    // A record names it (it left the group this very moment): reconcile clears that record
    // first, and a later sweep judges it.
    return false;
  }
  if (sighting.claimedBy.length > 0) {
    pass.held.push(stray.id);
    ctx.logger.error(
      { instanceId: stray.id, jobIds: sighting.claimedBy },
      'stray held: a claim names an instance outside the group',
    );
    return false;
  }
  if (sighting.passes < ORPHAN_PASSES || !oldEnough(ctx, stray, sighting.firstSeenAtMs)) {
    pass.suspected.push(stray.id);
    return false;
  }
  return true;
}

/**
 * Looks for instances with this pool's launch tags outside its group (detached, left by an
 * earlier group, launched by a crashed run; B52, B08, B26) every `intervalMs`, and ends those
 * confirmed like any orphan: older than the boot grace, seen on two sweeps, no claim naming it
 * (B30). They are no group members, so no record, intent or decrement is involved: the
 * termination is repeated on every sweep until the instance is gone, each stray on its own
 * (B32). The ids stay in the orphan pass, so their sightings survive the ticks in between.
 */
export async function sweepStrays(
  ctx: TickContext,
  orphans: OrphanPass,
  pass: StrayPass,
): Promise<void> {
  const schedule = ctx.strays;
  if (schedule === undefined || !supportsStrays(ctx.provider)) {
    return;
  }
  if (!schedule.due(ctx.nowMs)) {
    orphans.unrecorded.push(...schedule.seenIds);
    return;
  }
  let strays: readonly StrayInstance[];
  try {
    strays = await ctx.provider.listStrays();
  } catch (error) {
    // Nothing to decide on: the sightings are kept, and the next interval tries again.
    ctx.logger.warn({ err: error }, 'could not list stray instances');
    schedule.swept(ctx.nowMs);
    orphans.unrecorded.push(...schedule.seenIds);
    return;
  }
  pass.swept = true;
  schedule.swept(
    ctx.nowMs,
    strays.map(s => s.id),
  );
  orphans.unrecorded.push(...schedule.seenIds);
  const confirmed: string[] = [];
  for (const stray of strays) {
    const ok = await guarded(ctx, stray.id, 'judge_stray', () => judge(ctx, stray, pass));
    if (ok === true) {
      confirmed.push(stray.id);
    }
  }
  if (confirmed.length === 0) {
    return;
  }
  let result: Awaited<ReturnType<typeof ctx.provider.removeStrays>>;
  try {
    result = await ctx.provider.removeStrays(confirmed);
  } catch (error) {
    // Their sightings stay confirmed: the next sweep tries again.
    ctx.logger.warn({ instanceIds: confirmed, err: error }, 'could not terminate strays');
    return;
  }
  for (const id of result.succeeded) {
    pass.removed.push(id);
    ctx.tally.add(ORPHAN_REASON);
  }
  for (const failure of result.failed) {
    if (failure.error.code === 'instance_not_found') {
      // Gone meanwhile, or no stray any more on the fresh look (it joined a group): done.
      ctx.logger.info({ instanceId: failure.id }, 'stray gone before its termination');
    } else {
      ctx.logger.warn({ instanceId: failure.id, err: failure.error }, 'stray termination failed');
    }
  }
  if (result.succeeded.length > 0) {
    ctx.logger.info({ instanceIds: result.succeeded }, 'strays terminated');
  }
}
