import type { InstanceState as MemberState } from '@taskfleet/fleeting';
import type { Logger } from 'pino';

import { CapacityGuard } from './capacity-guard';
import type { TickContext } from './context';
import { groupCapacityOf } from './group-capacity';
import { guarded } from './guarded';
import { saveMemory } from './memory';
import { reconcile } from './reconcile';
import { RemovalTally } from './removal-tally';
import { drainAndTerminate } from './terminate';
import type { TickSetup } from './tick';

/** What the shutdown deletion needs from its scaler. */
export interface ShutdownDeletionInput {
  /** The lease's token, or undefined when another replica leads (then nothing is deleted). */
  readonly ensureLease: () => Promise<number | undefined>;
  readonly setupFor: (fencingToken: number) => Promise<TickSetup>;
  readonly wait: (delayMs: number) => Promise<void>;
  readonly logger: Logger;
}

/** How a shutdown deletion ended. */
export interface ShutdownDeletionReport {
  /** Rounds run (one removal round plus the re-checks). */
  readonly rounds: number;
  /** Members still in the group at the end: busy ones, or ones the cloud is slow to remove. */
  readonly left: readonly string[];
  /** Whether it was skipped because another replica leads. */
  readonly skipped: boolean;
}

const gone = (members: readonly MemberState[]) => members.every(m => m.state === 'deleted');

async function removeAll(ctx: TickContext, members: readonly MemberState[]): Promise<void> {
  const before = await ctx.registry.snapshot();
  await reconcile(ctx, members, before, groupCapacityOf(ctx.provider)?.desiredCapacity);
  const snapshot = await ctx.registry.snapshot();
  for (const record of snapshot.instances) {
    if (record.state === 'deleting' || record.state === 'draining') {
      continue;
    }
    // The drain refuses a busy instance: shutting down never kills a running job (invariant 3).
    await guarded(ctx, record.instanceId, 'shutdown_remove', () =>
      drainAndTerminate(ctx, record.instanceId, 'shutdown'),
    );
  }
  await saveMemory(ctx.registry, ctx.fencingToken, ctx.memory);
}

/**
 * `delete_instances_on_shutdown`: removes every instance that runs no job and re-checks after
 * `shutdown_deletion_interval`, at most `shutdown_deletion_retries` rounds, removing what became idle
 * or appeared since, until the group is empty; whatever is left is logged.
 */
export async function deleteInstancesOnShutdown(
  input: ShutdownDeletionInput,
): Promise<ShutdownDeletionReport> {
  let members: readonly MemberState[] = [];
  let rounds = 0;
  for (;;) {
    const token = await input.ensureLease();
    if (token === undefined) {
      return { rounds, left: [], skipped: true };
    }
    const setup = await input.setupFor(token);
    members = await setup.provider.update();
    const pending = setup.memory.pendingCreationsAtMs.length;
    if (gone(members) && pending === 0) {
      break;
    }
    if (rounds >= setup.timings.shutdownDeletionRetries) {
      break;
    }
    rounds += 1;
    const busy = (await setup.registry.snapshot()).instances.filter(
      r => r.claimedSlots > 0 && r.state !== 'deleting',
    );
    const ctx: TickContext = {
      ...setup,
      guard: new CapacityGuard(groupCapacityOf(setup.provider)?.desiredCapacity, busy.length),
      tally: new RemovalTally(),
    };
    await removeAll(ctx, members);
    await input.wait(setup.timings.shutdownDeletionIntervalMs);
  }
  const left = members.filter(m => m.state !== 'deleted').map(m => m.id);
  if (left.length > 0) {
    input.logger.warn({ left, rounds }, 'instances left at shutdown');
  } else {
    input.logger.info({ rounds }, 'instances deleted at shutdown');
  }
  return { rounds, left, skipped: false };
}
