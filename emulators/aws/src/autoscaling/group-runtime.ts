import type { Ec2Instance, ShutdownCause } from '../ec2/instance';
import type { Ec2InstanceStore } from '../ec2/instance-store';
import type { KeyPairStore } from '../ec2/key-pairs';
import type { LaunchTemplateStore } from '../ec2/launch-templates';
import type { ModelContext } from '../model/context';
import type { FaultState } from '../model/faults';
import { ActivityLog } from './activities';
import { AzRebalance, forgetRebalance } from './az-rebalance';
import {
  abandonedLaunchCause,
  healthCheckCause,
  launchCause,
  scaleInCause,
  withPrefix,
} from './causes';
import type { ScalingActivity } from './activities';
import type { AutoScalingGroup, GroupMember, LifecycleActionResult } from './group';
import { activeMembers, awaitingReplacement, isActive, isSuspended } from './group';
import { LifecycleActions } from './lifecycle-hooks';
import { chooseScaleInVictims } from './termination-policy';
import { GroupLauncher } from './group-launcher';
import { SubnetZones } from './zones';

/** How a member is being taken out of service. */
export interface TerminationRequest {
  readonly cause: string;
  /** Whether EC2_INSTANCE_TERMINATING hooks hold it in `Terminating:Wait`. */
  readonly useHooks: boolean;
}

/** The Auto Scaling groups and the machinery that keeps each at its desired capacity. */
export class GroupRuntime {
  readonly groups = new Map<string, AutoScalingGroup>();
  readonly activities: ActivityLog;
  readonly lifecycle: LifecycleActions;
  readonly zones: SubnetZones;
  private readonly ctx: ModelContext;
  private readonly ec2: Ec2InstanceStore;
  private readonly launcher: GroupLauncher;
  private readonly rebalance: AzRebalance;
  private readonly reconciling = new Set<AutoScalingGroup>();
  private readonly reconcileAgain = new Set<AutoScalingGroup>();

  constructor(
    ctx: ModelContext,
    stores: {
      ec2: Ec2InstanceStore;
      templates: LaunchTemplateStore;
      keyPairs: KeyPairStore;
      faults: FaultState;
    },
  ) {
    this.ctx = ctx;
    this.ec2 = stores.ec2;
    this.activities = new ActivityLog(ctx.random);
    this.lifecycle = new LifecycleActions(ctx.scheduler, ctx.random);
    this.zones = new SubnetZones(ctx.region);
    this.launcher = new GroupLauncher(
      ctx,
      { ...stores, activities: this.activities, zones: this.zones },
      group => {
        this.scheduleRetry(group);
      },
    );
    this.rebalance = new AzRebalance(ctx, this.launcher, {
      terminate: (group, member, request) => {
        this.startTermination(group, member, request);
      },
      reconcile: group => {
        this.reconcile(group);
      },
    });
    this.ec2.listen({
      running: i => {
        this.onRunning(i);
      },
      shuttingDown: (i, cause) => {
        this.onShuttingDown(i, cause);
      },
      terminated: i => {
        this.onTerminated(i);
      },
    });
  }

  /** The group and member an instance belongs to. */
  findMember(instanceId: string): { group: AutoScalingGroup; member: GroupMember } | undefined {
    for (const group of this.groups.values()) {
      const member = group.members.get(instanceId);
      if (member !== undefined) {
        return { group, member };
      }
    }
    return undefined;
  }

  /** Launches or terminates members until the group matches its desired capacity. */
  reconcile(group: AutoScalingGroup): void {
    // A termination can finish synchronously and ask for a reconcile from inside one; running
    // that nested pass at once would pick victims twice, so it is queued instead.
    if (this.reconciling.has(group)) {
      this.reconcileAgain.add(group);
      return;
    }
    this.reconciling.add(group);
    try {
      do {
        this.reconcileAgain.delete(group);
        this.reconcileOnce(group);
      } while (this.reconcileAgain.has(group));
    } finally {
      this.reconciling.delete(group);
    }
  }

  private reconcileOnce(group: AutoScalingGroup): void {
    if (group.status === 'Delete in progress') {
      if (group.members.size === 0) {
        this.groups.delete(group.name);
        this.ctx.logger.info({ group: group.name }, 'group deleted');
      }
      return;
    }
    const active = activeMembers(group);
    const target = group.desiredCapacity + (group.rebalance === undefined ? 0 : 1);
    // A member leaving in a terminate-first refresh holds its place until it is gone.
    const held = awaitingReplacement(group);
    if (active.length + held < target && !isSuspended(group, 'Launch')) {
      const from = active.length + held;
      for (let i = from; i < target; i++) {
        if (
          this.launcher.launch(group, this.launchCause(group, from, target), undefined) ===
          undefined
        ) {
          break;
        }
      }
    } else if (active.length > target && !isSuspended(group, 'Terminate')) {
      const nowMs = this.ctx.clock.now();
      const victims = chooseScaleInVictims(
        group,
        active,
        active.length - target,
        nowMs,
        this.ctx.random,
      );
      for (const victim of victims) {
        const cause = withPrefix(
          group.pendingCause,
          scaleInCause(nowMs, active.length, target, victim.instanceId),
        );
        this.startTermination(group, victim, { cause, useHooks: true });
      }
    }
    group.pendingCause = undefined;
    this.rebalance.maybeStart(group);
  }

  /** Takes a member out of service: Terminating (or Terminating:Wait), then EC2 terminates it. */
  startTermination(
    group: AutoScalingGroup,
    member: GroupMember,
    request: TerminationRequest,
  ): ScalingActivity {
    const nowMs = this.ctx.clock.now();
    this.lifecycle.cancelAll(member);
    this.activities.update(member.launchActivityId, 'Cancelled', nowMs);
    const activity = this.activities.start({
      groupName: group.name,
      groupArn: group.arn,
      description: `Terminating EC2 instance: ${member.instanceId}`,
      cause: request.cause,
      nowMs,
      details: { 'Subnet ID': member.subnetId, 'Availability Zone': member.availabilityZone },
    });
    member.terminateActivityId = activity.activityId;
    member.lifecycleState = 'Terminating';
    forgetRebalance(group, member);
    const held =
      request.useHooks &&
      this.lifecycle.begin(group, member, 'autoscaling:EC2_INSTANCE_TERMINATING', () => {
        member.lifecycleState = 'Terminating:Proceed';
        this.proceedTermination(group, member);
      });
    if (held) {
      member.lifecycleState = 'Terminating:Wait';
      this.activities.update(activity.activityId, 'MidLifecycleAction', nowMs);
    } else {
      this.proceedTermination(group, member);
    }
    return activity;
  }

  /**
   * Takes a member out of the group without ending it (DetachInstances): EC2 keeps it running,
   * without the group's `aws:autoscaling:groupName` tag; the caller reconciles the group.
   */
  detach(group: AutoScalingGroup, member: GroupMember): void {
    this.lifecycle.cancelAll(member);
    forgetRebalance(group, member);
    group.members.delete(member.instanceId);
    const instance = this.ec2.get(member.instanceId);
    if (instance !== undefined) {
      const at = instance.tags.findIndex(t => t.key === 'aws:autoscaling:groupName');
      if (at >= 0) {
        instance.tags.splice(at, 1);
      }
    }
  }

  /** Finds the members whose EC2 instance died while HealthCheck was suspended, and replaces them. */
  healthSweep(group: AutoScalingGroup): void {
    if (isSuspended(group, 'HealthCheck')) {
      this.reconcile(group);
      return;
    }
    for (const member of [...group.members.values()]) {
      const instance = this.ec2.get(member.instanceId);
      const dead =
        instance === undefined ||
        instance.state === 'shutting-down' ||
        instance.state === 'terminated';
      // Termination of a dead instance finishes at once (proceedTermination sees it gone).
      if (isActive(member) && dead) {
        this.replaceUnhealthy(group, member);
      }
    }
    this.reconcile(group);
  }

  private launchCause(group: AutoScalingGroup, from: number, to: number): string {
    return withPrefix(group.pendingCause, launchCause(this.ctx.clock.now(), from, to));
  }

  /** Launches one member (in `zone`, or the least used zone); undefined when the launch failed. */
  private scheduleRetry(group: AutoScalingGroup): void {
    if (group.retryTimer !== undefined) {
      return;
    }
    group.retryTimer = this.ctx.scheduler.after(this.ctx.timings.launchRetryDelayMs, () => {
      group.retryTimer = undefined;
      if (this.groups.get(group.name) === group) {
        this.reconcile(group);
      }
    });
  }

  private onRunning(instance: Ec2Instance): void {
    const found = this.findMember(instance.instanceId);
    if (found === undefined || found.member.lifecycleState !== 'Pending') {
      return;
    }
    const { group, member } = found;
    const held = this.lifecycle.begin(
      group,
      member,
      'autoscaling:EC2_INSTANCE_LAUNCHING',
      result => {
        this.finishLaunch(group, member, result);
      },
    );
    if (held) {
      member.lifecycleState = 'Pending:Wait';
      this.activities.update(member.launchActivityId, 'MidLifecycleAction', this.ctx.clock.now());
    } else {
      this.finishLaunch(group, member, 'CONTINUE');
    }
  }

  private finishLaunch(
    group: AutoScalingGroup,
    member: GroupMember,
    result: LifecycleActionResult,
  ): void {
    const nowMs = this.ctx.clock.now();
    if (result === 'ABANDON') {
      this.activities.update(
        member.launchActivityId,
        'Cancelled',
        nowMs,
        `Instance failed to complete user's Lifecycle Action: Lifecycle ` +
          `Action was abandoned with Lifecycle Action Result: ABANDON`,
      );
      this.startTermination(group, member, {
        cause: abandonedLaunchCause(nowMs),
        useHooks: false,
      });
      this.reconcile(group);
      return;
    }
    member.lifecycleState = 'InService';
    this.activities.update(member.launchActivityId, 'Successful', nowMs);
    this.ctx.logger.info(
      { group: group.name, instanceId: member.instanceId },
      'instance in service',
    );
    if (group.rebalance?.launchedInstanceId === member.instanceId) {
      this.rebalance.finish(group);
    }
  }

  private proceedTermination(group: AutoScalingGroup, member: GroupMember): void {
    const instance = this.ec2.get(member.instanceId);
    if (instance === undefined || instance.state === 'terminated') {
      this.removeMember(group, member);
      this.reconcile(group);
    } else {
      this.ec2.terminate(member.instanceId, 'group');
    }
  }

  private onShuttingDown(instance: Ec2Instance, cause: ShutdownCause): void {
    const found = this.findMember(instance.instanceId);
    if (found === undefined || cause === 'group') {
      return;
    }
    const { group, member } = found;
    if (member.lifecycleState === 'Terminating:Wait') {
      // The instance is gone, so there is nothing left for the hook to wait on.
      this.lifecycle.cancelAll(member);
      member.lifecycleState = 'Terminating:Proceed';
      return;
    }
    if (!isActive(member) || isSuspended(group, 'HealthCheck')) {
      return;
    }
    this.replaceUnhealthy(group, member);
    this.reconcile(group);
  }

  private replaceUnhealthy(group: AutoScalingGroup, member: GroupMember): void {
    member.healthStatus = 'Unhealthy';
    if (isSuspended(group, 'ReplaceUnhealthy')) {
      return;
    }
    const nowMs = this.ctx.clock.now();
    this.startTermination(group, member, {
      cause: healthCheckCause(nowMs),
      useHooks: false,
    });
  }

  private onTerminated(instance: Ec2Instance): void {
    const found = this.findMember(instance.instanceId);
    if (found === undefined || isActive(found.member)) {
      return;
    }
    this.removeMember(found.group, found.member);
    this.reconcile(found.group);
  }

  private removeMember(group: AutoScalingGroup, member: GroupMember): void {
    member.lifecycleState = 'Terminated';
    this.lifecycle.cancelAll(member);
    this.activities.update(member.terminateActivityId, 'Successful', this.ctx.clock.now());
    group.members.delete(member.instanceId);
  }
}
