import type { XmlValue } from '../protocol/xml-values';
import type { ScalingActivity } from './activities';
import type { AutoScalingGroup, GroupMember, LifecycleHook } from './group';

/** A group as the `AutoScalingGroup` shape, every botocore-required member included. */
export function groupXml(group: AutoScalingGroup): Record<string, XmlValue> {
  return {
    AutoScalingGroupName: group.name,
    AutoScalingGroupARN: group.arn,
    LaunchTemplate: {
      LaunchTemplateId: group.launchTemplate.launchTemplateId,
      LaunchTemplateName: group.launchTemplate.launchTemplateName,
      Version: group.launchTemplate.version,
    },
    MinSize: group.minSize,
    MaxSize: group.maxSize,
    DesiredCapacity: group.desiredCapacity,
    DefaultCooldown: group.defaultCooldownS,
    AvailabilityZones: group.availabilityZones,
    LoadBalancerNames: [],
    TargetGroupARNs: [],
    HealthCheckType: group.healthCheckType,
    HealthCheckGracePeriod: group.healthCheckGracePeriodS,
    Instances: [...group.members.values()].map(memberXml),
    CreatedTime: new Date(group.createdTimeMs),
    SuspendedProcesses: [...group.suspended].map(([ProcessName, SuspensionReason]) => ({
      ProcessName,
      SuspensionReason,
    })),
    VPCZoneIdentifier: group.vpcZoneIdentifier,
    EnabledMetrics: [],
    Status: group.status,
    Tags: group.tags.map(t => ({
      ResourceId: group.name,
      ResourceType: 'auto-scaling-group',
      Key: t.key,
      Value: t.value,
      PropagateAtLaunch: t.propagateAtLaunch,
    })),
    TerminationPolicies: group.terminationPolicies,
    NewInstancesProtectedFromScaleIn: group.newInstancesProtectedFromScaleIn,
    ServiceLinkedRoleARN: serviceLinkedRoleArn(group.arn),
    MaxInstanceLifetime: group.maxInstanceLifetimeS,
    CapacityRebalance: group.capacityRebalance,
    DefaultInstanceWarmup: group.defaultInstanceWarmupS,
    TrafficSources: [],
  };
}

/** A member as the `Instance` shape of DescribeAutoScalingGroups. */
export function memberXml(member: GroupMember): Record<string, XmlValue> {
  return {
    InstanceId: member.instanceId,
    InstanceType: member.instanceType,
    AvailabilityZone: member.availabilityZone,
    LifecycleState: member.lifecycleState,
    HealthStatus: member.healthStatus,
    LaunchTemplate: launchTemplateXml(member),
    ProtectedFromScaleIn: member.protectedFromScaleIn,
  };
}

/** A member as `AutoScalingInstanceDetails` (note AWS's upper-case health status here). */
export function instanceDetailsXml(
  group: AutoScalingGroup,
  member: GroupMember,
): Record<string, XmlValue> {
  return {
    InstanceId: member.instanceId,
    InstanceType: member.instanceType,
    AutoScalingGroupName: group.name,
    AvailabilityZone: member.availabilityZone,
    LifecycleState: member.lifecycleState,
    HealthStatus: member.healthStatus.toUpperCase(),
    LaunchTemplate: launchTemplateXml(member),
    ProtectedFromScaleIn: member.protectedFromScaleIn,
  };
}

/** An activity as the `Activity` shape. */
export function activityXml(activity: ScalingActivity): Record<string, XmlValue> {
  return {
    ActivityId: activity.activityId,
    AutoScalingGroupName: activity.autoScalingGroupName,
    Description: activity.description,
    Cause: activity.cause,
    StartTime: new Date(activity.startTimeMs),
    EndTime: activity.endTimeMs === undefined ? undefined : new Date(activity.endTimeMs),
    StatusCode: activity.statusCode,
    StatusMessage: activity.statusMessage,
    Progress: activity.progress,
    Details: activity.details,
    AutoScalingGroupARN: activity.autoScalingGroupArn,
  };
}

/** A hook as the `LifecycleHook` shape. */
export function hookXml(hook: LifecycleHook): Record<string, XmlValue> {
  return {
    LifecycleHookName: hook.lifecycleHookName,
    AutoScalingGroupName: hook.autoScalingGroupName,
    LifecycleTransition: hook.lifecycleTransition,
    NotificationTargetARN: hook.notificationTargetArn,
    RoleARN: hook.roleArn,
    NotificationMetadata: hook.notificationMetadata,
    HeartbeatTimeout: hook.heartbeatTimeoutS,
    GlobalTimeout: hook.globalTimeoutS,
    DefaultResult: hook.defaultResult,
  };
}

function launchTemplateXml(member: GroupMember): XmlValue {
  const ref = member.launchTemplate;
  return ref === undefined
    ? undefined
    : {
        LaunchTemplateId: ref.launchTemplateId,
        LaunchTemplateName: ref.launchTemplateName,
        Version: ref.version,
      };
}

function serviceLinkedRoleArn(groupArn: string): string {
  const account = groupArn.split(':')[4] ?? '123456789012';
  return `arn:aws:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
}
