import type { LostReason } from '@taskfleet/fleeting';

import type { TickContext } from './context';
import { SPOT_INTERRUPTION_REASON } from './spot-warnings';

/**
 * Records an instance the cloud ended without our asking (a spot reclaim, a termination from
 * outside): tombstoned, out of service and its claims dropped in one step, so no claim can take
 * it again; the jobs that held claims fail as `runner_system_failure` on their lost SSH session
 * (or, not started yet, claim elsewhere). Counted once under its reason (B33); an instance a spot
 * warning took out of service (B50, `previousReason`) was counted then, under that reason.
 */
export async function markLost(
  ctx: TickContext,
  instanceId: string,
  reason: LostReason,
  previousReason?: string,
): Promise<void> {
  const result = await ctx.registry.ledger.markGone(instanceId, ctx.fencingToken, reason);
  if (result.alreadyGone) {
    return;
  }
  if (previousReason !== SPOT_INTERRUPTION_REASON) {
    ctx.tally.add(reason);
  }
  ctx.logger.warn(
    { instanceId, reason, orphanedJobIds: result.orphanedJobIds },
    'instance lost: ended by the cloud',
  );
}
