import type { Ec2Instance, ShutdownCause } from '../ec2/instance';
import type { Ec2InstanceStore } from '../ec2/instance-store';
import type { KeyPairStore } from '../ec2/key-pairs';
import type { LaunchTemplateStore } from '../ec2/launch-templates';
import { resolveTemplateVersion } from '../ec2/launch-templates';
import type { ModelContext } from '../model/context';
import type { FaultState } from '../model/faults';
import { ActivityLog, causeTime } from './activities';
import type { ScalingActivity } from './activities';
import type { AutoScalingGroup, GroupMember, LifecycleActionResult } from './group';
import { activeMembers, countByZone, isActive, isSuspended } from './group';
import { LifecycleActions } from './lifecycle-hooks';
import { chooseOne, chooseScaleInVictims } from './termination-policy';
import { SubnetZones, chooseLaunchZone, subnetFor } from './zones';

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
  private readonly templates: LaunchTemplateStore;
  private readonly keyPairs: KeyPairStore;
  private readonly faults: FaultState;

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
    this.templates = stores.templates;
    this.keyPairs = stores.keyPairs;
    this.faults = stores.faults;
    this.activities = new ActivityLog(ctx.random);
    this.lifecycle = new LifecycleActions(ctx.scheduler, ctx.random);
    this.zones = new SubnetZones(ctx.region);
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
    if (group.status === 'Delete in progress') {
      if (group.members.size === 0) {
        this.groups.delete(group.name);
        this.ctx.logger.info({ group: group.name }, 'group deleted');
      }
      return;
    }
    const active = activeMembers(group);
    const target = group.desiredCapacity + (group.rebalance === undefined ? 0 : 1);
    if (active.length < target && !isSuspended(group, 'Launch')) {
      const from = active.length;
      for (let i = from; i < target; i++) {
        if (this.launchOne(group, this.launchCause(group, from, target), undefined) === undefined) {
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
        const cause = `${group.pendingCause ?? ''}${group.pendingCause === undefined ? '' : '  '}At ${causeTime(nowMs)} an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from ${active.length} to ${target}.  At ${causeTime(nowMs)} instance ${victim.instanceId} was selected for termination.`;
        this.startTermination(group, victim, { cause, useHooks: true });
      }
    }
    group.pendingCause = undefined;
    this.maybeRebalance(group);
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
    this.forgetRebalance(group, member);
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

  /** Finds the members whose EC2 instance died while HealthCheck was suspended, and replaces them. */
  healthSweep(group: AutoScalingGroup): void {
    for (const member of group.members.values()) {
      const instance = this.ec2.get(member.instanceId);
      if (
        isActive(member) &&
        (instance === undefined ||
          instance.state === 'shutting-down' ||
          instance.state === 'terminated')
      ) {
        this.replaceUnhealthy(group, member);
        if (instance === undefined || instance.state === 'terminated') {
          this.removeMember(group, member);
        }
      }
    }
    this.reconcile(group);
  }

  private launchCause(group: AutoScalingGroup, from: number, to: number): string {
    const prefix = group.pendingCause === undefined ? '' : `${group.pendingCause}  `;
    return `${prefix}At ${causeTime(this.ctx.clock.now())} an instance was started in response to a difference between desired and actual capacity, increasing the capacity from ${from} to ${to}.`;
  }

  /** Launches one member (in `zone`, or the least used zone); undefined when the launch failed. */
  private launchOne(
    group: AutoScalingGroup,
    cause: string,
    zone: string | undefined,
  ): GroupMember | undefined {
    const nowMs = this.ctx.clock.now();
    const az =
      zone ?? chooseLaunchZone(group, activeMembers(group)) ?? this.zones.regionZones()[0] ?? '';
    const subnet = subnetFor(group, az, this.zones);
    const template =
      this.templates.findById(group.launchTemplate.launchTemplateId) ??
      this.templates.findByName(group.launchTemplate.launchTemplateName);
    const instanceType = template?.data.instanceType ?? 'm1.small';
    const details = { 'Subnet ID': subnet.subnetId, 'Availability Zone': az };
    const fail = (reason: string): undefined => {
      const activity = this.activities.start({
        groupName: group.name,
        groupArn: group.arn,
        description:
          'Launching a new EC2 instance.  Status Reason: ' +
          reason +
          ' Launching EC2 instance failed.',
        cause,
        nowMs,
        details,
      });
      this.activities.update(activity.activityId, 'Failed', nowMs, reason);
      this.ctx.logger.warn({ group: group.name, reason }, 'launch failed');
      this.scheduleRetry(group);
      return undefined;
    };
    if (template === undefined) {
      fail(
        `The specified launch template, with template ID ${group.launchTemplate.launchTemplateId}, does not exist.`,
      );
      return;
    }
    if (this.faults.capacityUnavailable(az, instanceType, group.name, nowMs)) {
      const others = group.availabilityZones.filter(z => z !== az).join(', ');
      fail(
        `We currently do not have sufficient ${instanceType} capacity in the Availability Zone you requested (${az}). Our system will be working on provisioning additional capacity. You can currently get ${instanceType} capacity by not specifying an Availability Zone in your request or choosing ${others || az}.`,
      );
      return;
    }
    const keyName = template.data.keyName;
    const keyPair = keyName === undefined ? undefined : this.keyPairs.get(keyName);
    if (keyName !== undefined && keyPair === undefined) {
      fail(`The key pair '${keyName}' does not exist.`);
      return;
    }
    if (template.data.imageId === undefined) {
      fail('The request must contain the parameter ImageId.');
      return;
    }
    const version = resolveTemplateVersion(template, group.launchTemplate.version) ?? '1';
    const boot = this.faults.boot.get(group.name);
    const jitterMs = boot?.bootJitterMs ?? this.ctx.timings.defaultBootJitterMs;
    const instance = this.ec2.launch({
      imageId: template.data.imageId,
      instanceType,
      keyName,
      authorizedKeys: keyPair === undefined ? [] : [keyPair.publicKey],
      availabilityZone: az,
      subnetId: subnet.subnetId,
      launchTemplate: {
        launchTemplateId: template.launchTemplateId,
        launchTemplateName: template.launchTemplateName,
        version,
      },
      tags: [
        ...template.data.instanceTags,
        ...group.tags.filter(t => t.propagateAtLaunch).map(t => ({ key: t.key, value: t.value })),
        { key: 'aws:autoscaling:groupName', value: group.name },
        { key: 'aws:ec2launchtemplate:id', value: template.launchTemplateId },
        { key: 'aws:ec2launchtemplate:version', value: version },
      ],
      bootDelayMs:
        (boot?.bootDelayMs ?? this.ctx.timings.defaultBootDelayMs) +
        Math.floor(this.ctx.random.next() * jitterMs),
      bootMode: boot?.bootMode ?? 'ok',
    });
    const activity = this.activities.start({
      groupName: group.name,
      groupArn: group.arn,
      description: `Launching a new EC2 instance: ${instance.instanceId}`,
      cause,
      nowMs,
      details,
      statusCode: 'PreInService',
    });
    const member: GroupMember = {
      instanceId: instance.instanceId,
      availabilityZone: az,
      subnetId: subnet.subnetId,
      instanceType,
      imageId: template.data.imageId,
      launchTemplate: instance.launchTemplate,
      launchTemplateCreatedMs: template.createTimeMs,
      launchTimeMs: nowMs,
      lifecycleState: 'Pending',
      healthStatus: 'Healthy',
      protectedFromScaleIn: group.newInstancesProtectedFromScaleIn,
      launchActivityId: activity.activityId,
      terminateActivityId: undefined,
      pendingActions: new Map(),
    };
    group.members.set(member.instanceId, member);
    return member;
  }

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
        `Instance failed to complete user's Lifecycle Action: Lifecycle Action was abandoned with Lifecycle Action Result: ABANDON`,
      );
      this.startTermination(group, member, {
        cause: `At ${causeTime(nowMs)} an instance was taken out of service because its launch lifecycle action was abandoned.`,
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
      this.finishRebalance(group);
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
      cause: `At ${causeTime(nowMs)} an instance was taken out of service in response to an EC2 health check indicating it has been terminated or stopped.`,
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

  private forgetRebalance(group: AutoScalingGroup, member: GroupMember): void {
    if (group.rebalance?.launchedInstanceId === member.instanceId) {
      group.rebalance = undefined;
    }
  }

  /**
   * AZRebalance: when the zones differ by more than one in-service member, launch one in the
   * smallest zone first, and once it is in service terminate one (unprotected) in the largest.
   */
  private maybeRebalance(group: AutoScalingGroup): void {
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
    const launched = this.launchOne(
      group,
      `At ${causeTime(nowMs)} an instance was started in response to an Availability Zone imbalance, increasing the capacity from ${active.length} to ${active.length + 1}.`,
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

  private finishRebalance(group: AutoScalingGroup): void {
    const shrinkZone = group.rebalance?.shrinkZone;
    group.rebalance = undefined;
    const nowMs = this.ctx.clock.now();
    const victim = chooseOne(group, activeMembers(group), nowMs, this.ctx.random, shrinkZone);
    if (victim !== undefined) {
      const cause = `At ${causeTime(nowMs)} an instance was taken out of service in response to an Availability Zone rebalancing operation.  At ${causeTime(nowMs)} instance ${victim.instanceId} was selected for termination.`;
      this.startTermination(group, victim, { cause, useHooks: true });
    }
    this.reconcile(group);
  }
}
