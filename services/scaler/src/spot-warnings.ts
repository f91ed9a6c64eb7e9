import type { InterruptionNotice } from '@taskfleet/fleeting';
import type { Registry, RegistrySnapshot } from '@taskfleet/registry';
import type { Logger } from 'pino';

import type { TickContext } from './context';
import { guarded } from './guarded';

/**
 * The removal reason of an instance taken out of service by a spot interruption warning (B50);
 * the registry keeps it until the reclaim tombstones the instance.
 */
export const SPOT_INTERRUPTION_REASON = 'spot_interruption';

/** What became of one interruption notice. */
export type InterruptionOutcome =
  /** Taken out of service now: no new claim lands on it; its running jobs go on until the reclaim. */
  | 'taken_out'
  /** It was leaving service already (deleting); nothing to do. */
  | 'already_leaving'
  /** Seen, not acted on (a rebalance recommendation). */
  | 'ignored'
  /** Not an instance of this pool. */
  | 'unknown'
  /** This replica does not lead: the leader must handle it, so the message stays. */
  | 'not_leader';

/**
 * Acts on a notice as the leader: a spot warning takes a known instance out of service at once
 * (`deleting` with reason `spot_interruption`), so no claim can take it in the two minutes left.
 * Running jobs keep their claims; the reclaim that follows fails them as `runner_system_failure`
 * and the lost-instance path tombstones the instance. Returns the reason to count, if any.
 */
export async function takeInterruption(
  deps: { readonly registry: Registry; readonly logger: Logger; readonly fencingToken: number },
  notice: InterruptionNotice,
): Promise<InterruptionOutcome> {
  const { registry, logger } = deps;
  const record = await registry.getInstance(notice.instanceId);
  if (record === undefined) {
    return 'unknown';
  }
  if (notice.kind === 'rebalance_recommendation') {
    // Only logged, by choice: a recommendation is a raised risk, often never followed by an
    // interruption, and an early replacement would hold a second instance per recommendation
    // (a cost, and at max_instances no room anyway). The warning, if it comes, still leaves two
    // minutes: the instance leaves service at once and demand brings its replacement.
    logger.info({ instanceId: notice.instanceId }, 'rebalance recommendation seen');
    return 'ignored';
  }
  if (record.state === 'deleting') {
    return 'already_leaving';
  }
  await registry.markDeleting(notice.instanceId, deps.fencingToken, SPOT_INTERRUPTION_REASON);
  logger.warn(
    {
      instanceId: notice.instanceId,
      action: notice.action,
      previousState: record.state,
      claimedSlots: record.claimedSlots,
      noticedAtMs: notice.noticedAtMs,
    },
    'spot interruption warning: instance out of service',
  );
  return 'taken_out';
}

/**
 * Takes the spot warnings another watch handed on (`SpotHandoff`) for instances of this pool's
 * registry, as the leader, with this tick's fencing token; each is removed from the handoff once
 * handled, so a failure leaves it for the next tick. Returns the instances taken out of service.
 */
export async function takeHandedWarnings(
  ctx: TickContext,
  snapshot: RegistrySnapshot,
): Promise<readonly string[]> {
  const handoff = ctx.spotHandoff;
  if (handoff === undefined || snapshot.instances.length === 0) {
    return [];
  }
  let notices: readonly InterruptionNotice[];
  try {
    notices = await handoff.pending(snapshot.instances.map(r => r.instanceId));
  } catch (error) {
    ctx.logger.warn({ err: error }, 'could not read handed spot warnings');
    return [];
  }
  const taken: string[] = [];
  for (const notice of notices) {
    const outcome = await guarded(ctx, notice.instanceId, 'handed_warning', () =>
      takeInterruption(
        { registry: ctx.registry, logger: ctx.logger, fencingToken: ctx.fencingToken },
        notice,
      ),
    );
    if (outcome === undefined) {
      continue;
    }
    if (outcome === 'taken_out') {
      ctx.tally.add(SPOT_INTERRUPTION_REASON);
      taken.push(notice.instanceId);
    }
    await guarded(ctx, notice.instanceId, 'handed_warning_done', () =>
      handoff.done(notice.instanceId),
    );
  }
  return taken;
}
