import type { ModelContext } from '../model/context';
import { rebalanceLaunchCause, rebalanceTerminateCause } from './causes';
import type { AutoScalingGroup, GroupMember } from './group';
import { activeMembers, countByZone, isSuspended } from './group';
import type { GroupLauncher } from './group-launcher';
import type { TerminationRequest } from './group-runtime';
import { chooseOne } from './termination-policy';

/** What a rebalance asks of the group runtime that runs it. */
export interface RebalanceHost {
  terminate(group: AutoScalingGroup, member: GroupMember, request: TerminationRequest): void;
  reconcile(group: AutoScalingGroup): void;
}

/** Drops the group's rebalance when `member` was the instance it launched (it is leaving). */
export function forgetRebalance(group: AutoScalingGroup, member: GroupMember): void {
  if (group.rebalance?.launchedInstanceId === member.instanceId) {
    group.rebalance = undefined;
  }
}

/**
 * AZRebalance: when the zones differ by more than one in-service member, launch one in the
 * smallest zone first, and once it is in service terminate one (unprotected) in the largest.
 */
export class AzRebalance {
  constructor(
    private readonly ctx: ModelContext,
    private readonly launcher: GroupLauncher,
    private readonly host: RebalanceHost,
  ) {}

  /** Starts a rebalance when the group is settled and its zones are uneven. */
  maybeStart(group: AutoScalingGroup): void {
    if (
      group.rebalance !== undefined ||
      group.availabilityZones.length < 2 ||
      (['AZRebalance', 'Launch', 'Terminate'] as const).some(p => isSuspended(group, p))
    ) {
      return;
    }
    const active = activeMembers(group);
    if (active.some(m => m.lifecycleState !== 'InService')) {
      return;
    }
    const counts = [...countByZone(group, active)].sort((a, b) => a[1] - b[1]);
    const smallest = counts[0];
    const largest = counts[counts.length - 1];
    if (smallest === undefined || largest === undefined || largest[1] - smallest[1] <= 1) {
      return;
    }
    const nowMs = this.ctx.clock.now();
    if (chooseOne(group, active, nowMs, this.ctx.random, largest[0]) === undefined) {
      return;
    }
    const launched = this.launcher.launch(
      group,
      rebalanceLaunchCause(nowMs, active.length),
      smallest[0],
    );
    if (launched !== undefined) {
      group.rebalance = { launchedInstanceId: launched.instanceId, shrinkZone: largest[0] };
      this.ctx.logger.info(
        { group: group.name, from: largest[0], to: smallest[0] },
        'az rebalance started',
      );
    }
  }

  /** The launched instance is in service: terminate one in the zone that had too many. */
  finish(group: AutoScalingGroup): void {
    const shrinkZone = group.rebalance?.shrinkZone;
    group.rebalance = undefined;
    const nowMs = this.ctx.clock.now();
    const victim = chooseOne(group, activeMembers(group), nowMs, this.ctx.random, shrinkZone);
    if (victim !== undefined) {
      const cause = rebalanceTerminateCause(nowMs, victim.instanceId);
      this.host.terminate(group, victim, { cause, useHooks: true });
    }
    this.host.reconcile(group);
  }
}
