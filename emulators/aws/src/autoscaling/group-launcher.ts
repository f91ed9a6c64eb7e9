import type { Ec2InstanceStore } from '../ec2/instance-store';
import type { KeyPairStore } from '../ec2/key-pairs';
import type { LaunchTemplateStore } from '../ec2/launch-templates';
import { resolveTemplateVersion } from '../ec2/launch-templates';
import type { ModelContext } from '../model/context';
import type { FaultState } from '../model/faults';
import type { ActivityLog } from './activities';
import type { AutoScalingGroup, GroupMember } from './group';
import { activeMembers } from './group';
import type { SubnetZones } from './zones';
import { chooseLaunchZone, subnetFor } from './zones';

/** What a launch reads and writes. */
export interface LauncherStores {
  readonly ec2: Ec2InstanceStore;
  readonly templates: LaunchTemplateStore;
  readonly keyPairs: KeyPairStore;
  readonly faults: FaultState;
  readonly activities: ActivityLog;
  readonly zones: SubnetZones;
}

/** Launches one group member from the group's launch template, or records a Failed activity. */
export class GroupLauncher {
  private readonly ctx: ModelContext;
  private readonly ec2: Ec2InstanceStore;
  private readonly templates: LaunchTemplateStore;
  private readonly keyPairs: KeyPairStore;
  private readonly faults: FaultState;
  private readonly activities: ActivityLog;
  private readonly zones: SubnetZones;
  private readonly onFailed: (group: AutoScalingGroup) => void;

  constructor(
    ctx: ModelContext,
    stores: LauncherStores,
    onFailed: (group: AutoScalingGroup) => void,
  ) {
    this.ctx = ctx;
    this.ec2 = stores.ec2;
    this.templates = stores.templates;
    this.keyPairs = stores.keyPairs;
    this.faults = stores.faults;
    this.activities = stores.activities;
    this.zones = stores.zones;
    this.onFailed = onFailed;
  }

  /** Launches in `zone`, or in the least used zone; undefined when the launch failed. */
  launch(
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
      this.onFailed(group);
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
    if (!this.faults.takeLaunchToken(nowMs)) {
      // What an Auto Scaling activity shows when EC2's launch rate for the account is used up.
      fail('Request limit exceeded. Launching EC2 instance failed. (RequestLimitExceeded)');
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
}
