import type { Cluster, Redis } from 'ioredis';

import { RegistryError } from './errors';
import { checkId } from './keys';
import { runJson } from './script-runner';
import type { ScriptName } from './script-runner';

/** How long tombstones and use-ledger entries are kept (an instance id is never reused). */
export const LEDGER_RETENTION_MS = 7 * 24 * 3_600_000;

/** Why the cloud ended an instance we did not ask it to end. */
export type GoneReason = 'spot' | 'external';

/** Result of {@link FleetLedger.markGone}. */
export interface GoneResult {
  /** The instance had a record (now deleting, reason `spot` or `external`). */
  readonly known: boolean;
  /** It was tombstoned already by an earlier call: count it once. */
  readonly alreadyGone: boolean;
  /** Jobs whose claims named it; their claims are dropped. */
  readonly orphanedJobIds: readonly string[];
}

/** What the registry knows of a group member that has no record, after one sighting. */
export type OrphanSighting =
  | { readonly known: true }
  | {
      readonly known: false;
      /** Sweep passes this member was sighted on without a record, this one included. */
      readonly passes: number;
      readonly firstSeenAtMs: number;
      /** Jobs whose claims name it (under any slot): it must never be terminated (B30). */
      readonly claimedBy: readonly string[];
      /** It was claimed at least once: used, so never adopted as fresh (B11, B52). */
      readonly used: boolean;
      /** The cloud ended it (a tombstone). */
      readonly gone: boolean;
    };

/** Input of {@link FleetLedger.takeOrphan}. */
export interface TakeOrphanInput {
  readonly instanceId: string;
  /** Sightings needed before it counts as an orphan (≥ 2 in the scaler). */
  readonly minPasses: number;
  /** Its first sighting must be at or before this time (the boot grace passed). */
  readonly firstSeenAtMostMs: number;
  readonly reason: string;
  readonly capacityPerInstance: number;
  readonly maxUseCount: number;
}

/** Result of takeOrphan: refused when it got a record, a claim names it, or it is unconfirmed. */
export type TakeOrphanResult =
  | { readonly taken: true }
  | { readonly taken: false; readonly why: 'known' | 'claimed' | 'unconfirmed' };

/**
 * The registry's ledger of the cloud side: tombstones of instances the cloud ended, the use ledger
 * that outlives records, and sightings of members without a record (the orphan sweep); every
 * change is one fenced atomic script, like the rest of the registry.
 */
export class FleetLedger {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly base: string,
    private readonly clock: () => number,
  ) {}

  /** Tombstones an instance the cloud ended, takes it out of service and drops its claims (B33). */
  async markGone(
    instanceId: string,
    fencingToken: number,
    reason: GoneReason,
  ): Promise<GoneResult> {
    const r = await this.fenced('tfMarkGone', fencingToken, instanceId, [
      reason,
      LEDGER_RETENTION_MS,
    ]);
    return {
      known: r.known === true,
      alreadyGone: r.alreadyGone === true,
      orphanedJobIds: Array.isArray(r.orphaned) ? r.orphaned.map(String) : [],
    };
  }

  /** Counts one sweep pass's sighting of a member without a record; call once per pass. */
  async sightOrphan(instanceId: string, fencingToken: number): Promise<OrphanSighting> {
    const r = await this.fenced('tfSightOrphan', fencingToken, instanceId, []);
    if (r.known === true) {
      return { known: true };
    }
    return {
      known: false,
      passes: Number(r.passes),
      firstSeenAtMs: Number(r.firstSeenAtMs),
      claimedBy: Array.isArray(r.claimedBy) ? r.claimedBy.map(String) : [],
      used: r.used === true,
      gone: r.gone === true,
    };
  }

  /** Confirms an orphan and registers it draining in one step, or says why not. */
  async takeOrphan(input: TakeOrphanInput, fencingToken: number): Promise<TakeOrphanResult> {
    if (!Number.isInteger(input.minPasses) || input.minPasses < 1) {
      throw new RegistryError('invalid_argument', 'could not take orphan: minPasses below 1');
    }
    if (input.reason === '') {
      throw new RegistryError('invalid_argument', 'could not take orphan: empty reason');
    }
    const r = await this.fenced('tfTakeOrphan', fencingToken, input.instanceId, [
      input.minPasses,
      input.firstSeenAtMostMs,
      input.reason,
      Math.max(1, input.capacityPerInstance),
      input.maxUseCount,
      LEDGER_RETENTION_MS,
    ]);
    if (r.taken === true) {
      return { taken: true };
    }
    const why = r.why === 'known' || r.why === 'claimed' ? r.why : 'unconfirmed';
    return { taken: false, why };
  }

  /**
   * Forgets sightings of every id not listed (members still without a record this pass, sighted
   * or not) or recorded since; returns the oldest first sighting kept, for the orphan age.
   */
  async pruneOrphanSightings(
    fencingToken: number,
    unrecordedIds: readonly string[],
  ): Promise<{ readonly dropped: number; readonly oldestFirstSeenAtMs: number | undefined }> {
    for (const id of unrecordedIds) {
      checkId('instanceId', id);
    }
    const r = await runJson(this.redis, 'tfPruneOrphans', this.base, [
      fencingToken,
      this.clock(),
      ...unrecordedIds,
    ]);
    const oldest = r.oldestFirstSeenAtMs === '' ? undefined : Number(r.oldestFirstSeenAtMs);
    return { dropped: Number(r.dropped), oldestFirstSeenAtMs: oldest };
  }

  private fenced(
    name: ScriptName,
    fencingToken: number,
    instanceId: string,
    rest: readonly (string | number)[],
  ): Promise<Record<string, unknown>> {
    checkId('instanceId', instanceId);
    return runJson(
      this.redis,
      name,
      this.base,
      [fencingToken, this.clock(), instanceId, ...rest],
      instanceId,
    );
  }
}
