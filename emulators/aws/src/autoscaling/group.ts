import type { TimerHandle } from '../clock';
import type { LaunchTemplateRef } from '../ec2/instance';

/** The LifecycleState values this emulator produces. */
export type LifecycleState =
  | 'Pending'
  | 'Pending:Wait'
  | 'Pending:Proceed'
  | 'InService'
  | 'Terminating'
  | 'Terminating:Wait'
  | 'Terminating:Proceed'
  | 'Terminated';

/** The processes SuspendProcesses accepts. */
export const SCALING_PROCESSES = [
  'Launch',
  'Terminate',
  'AddToLoadBalancer',
  'AlarmNotification',
  'AZRebalance',
  'HealthCheck',
  'InstanceRefresh',
  'ReplaceUnhealthy',
  'ScheduledActions',
] as const;

/** One suspendable Auto Scaling process. */
export type ScalingProcess = (typeof SCALING_PROCESSES)[number];

/** The two lifecycle hook transitions. */
export type LifecycleTransition =
  'autoscaling:EC2_INSTANCE_LAUNCHING' | 'autoscaling:EC2_INSTANCE_TERMINATING';

/** CONTINUE or ABANDON, as CompleteLifecycleAction and DefaultResult spell them. */
export type LifecycleActionResult = 'CONTINUE' | 'ABANDON';

/** A lifecycle hook of a group. */
export interface LifecycleHook {
  readonly lifecycleHookName: string;
  readonly autoScalingGroupName: string;
  readonly lifecycleTransition: LifecycleTransition;
  readonly heartbeatTimeoutS: number;
  readonly globalTimeoutS: number;
  readonly defaultResult: LifecycleActionResult;
  readonly notificationTargetArn: string | undefined;
  readonly roleArn: string | undefined;
  readonly notificationMetadata: string | undefined;
}

/** A lifecycle action waiting for CompleteLifecycleAction or its timeout. */
export interface PendingLifecycleAction {
  readonly hook: LifecycleHook;
  readonly token: string;
  heartbeatDeadlineMs: number;
  readonly globalDeadlineMs: number;
  timer: TimerHandle | undefined;
  result: LifecycleActionResult | undefined;
}

/** An instance as its group sees it. */
export interface GroupMember {
  readonly instanceId: string;
  readonly availabilityZone: string;
  readonly subnetId: string;
  readonly instanceType: string;
  readonly imageId: string;
  readonly launchTemplate: LaunchTemplateRef | undefined;
  /** When the instance's launch template was created, for the OldestLaunchTemplate rule. */
  readonly launchTemplateCreatedMs: number;
  readonly launchTimeMs: number;
  lifecycleState: LifecycleState;
  healthStatus: 'Healthy' | 'Unhealthy';
  protectedFromScaleIn: boolean;
  launchActivityId: string | undefined;
  terminateActivityId: string | undefined;
  /** Lifecycle actions of the current transition, by hook name. */
  readonly pendingActions: Map<string, PendingLifecycleAction>;
  /** Leaving, but its replacement waits until it is gone (a terminate-first instance refresh). */
  replaceAfterTermination?: boolean;
}

/** The policy types PutScalingPolicy accepts. */
export type ScalingPolicyType =
  'SimpleScaling' | 'StepScaling' | 'TargetTrackingScaling' | 'PredictiveScaling';

/** How a simple or step policy changes the desired capacity. */
export type AdjustmentType = 'ChangeInCapacity' | 'ExactCapacity' | 'PercentChangeInCapacity';

/** One step of a step scaling policy (bounds relative to the alarm threshold). */
export interface StepAdjustment {
  readonly lowerBound: number | undefined;
  readonly upperBound: number | undefined;
  readonly scalingAdjustment: number;
}

/** A scaling policy of a group; stored, and applied only by ExecutePolicy (no alarms run). */
export interface ScalingPolicy {
  readonly policyName: string;
  readonly policyArn: string;
  readonly autoScalingGroupName: string;
  readonly policyType: ScalingPolicyType;
  readonly adjustmentType: AdjustmentType | undefined;
  readonly scalingAdjustment: number | undefined;
  readonly minAdjustmentMagnitude: number | undefined;
  readonly cooldownS: number | undefined;
  readonly stepAdjustments: readonly StepAdjustment[];
  readonly metricAggregationType: string | undefined;
  readonly estimatedInstanceWarmupS: number | undefined;
  /** TargetTrackingConfiguration's predefined metric and target, when given. */
  readonly targetTracking:
    { readonly metricType: string | undefined; readonly targetValue: number } | undefined;
  readonly enabled: boolean;
}

/** A group tag. */
export interface GroupTag {
  readonly key: string;
  readonly value: string;
  readonly propagateAtLaunch: boolean;
}

/** The launch template reference as the group was given it. */
export interface GroupLaunchTemplate {
  readonly launchTemplateId: string;
  readonly launchTemplateName: string;
  /** As given: `$Latest`, `$Default` or a number. */
  readonly version: string | undefined;
}

/** One subnet of VPCZoneIdentifier and the zone it is in. */
export interface GroupSubnet {
  readonly subnetId: string;
  readonly availabilityZone: string;
}

/** An Auto Scaling group. */
export interface AutoScalingGroup {
  readonly name: string;
  readonly arn: string;
  readonly createdTimeMs: number;
  launchTemplate: GroupLaunchTemplate;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  defaultCooldownS: number;
  availabilityZones: string[];
  subnets: GroupSubnet[];
  vpcZoneIdentifier: string | undefined;
  healthCheckType: string;
  healthCheckGracePeriodS: number;
  terminationPolicies: string[];
  newInstancesProtectedFromScaleIn: boolean;
  capacityRebalance: boolean;
  maxInstanceLifetimeS: number | undefined;
  defaultInstanceWarmupS: number | undefined;
  tags: GroupTag[];
  readonly suspended: Map<ScalingProcess, string>;
  readonly members: Map<string, GroupMember>;
  readonly hooks: Map<string, LifecycleHook>;
  /** Scaling policies by name (PutScalingPolicy); made on first use. */
  policies?: Map<string, ScalingPolicy>;
  status: 'Delete in progress' | undefined;
  cooldownUntilMs: number;
  /** The text that explains the next capacity change's activities. */
  pendingCause: string | undefined;
  /** While an AZ rebalance runs: the zone to shrink once the extra instance is in service. */
  rebalance: { launchedInstanceId: string; shrinkZone: string } | undefined;
  retryTimer: TimerHandle | undefined;
}

const ACTIVE_STATES: ReadonlySet<LifecycleState> = new Set([
  'Pending',
  'Pending:Wait',
  'Pending:Proceed',
  'InService',
]);

/** Whether a member counts towards the group's capacity (not on its way out). */
export function isActive(member: GroupMember): boolean {
  return ACTIVE_STATES.has(member.lifecycleState);
}

/** Members on their way out whose replacement waits until they are gone. */
export function awaitingReplacement(group: AutoScalingGroup): number {
  return [...group.members.values()].filter(m => !isActive(m) && m.replaceAfterTermination === true)
    .length;
}

/** The members that count towards capacity. */
export function activeMembers(group: AutoScalingGroup): GroupMember[] {
  return [...group.members.values()].filter(isActive);
}

/** Whether a process is suspended on the group. */
export function isSuspended(group: AutoScalingGroup, process: ScalingProcess): boolean {
  return group.suspended.has(process);
}

/** Counts members per zone of the group (zones without members count 0). */
export function countByZone(
  group: AutoScalingGroup,
  members: readonly GroupMember[],
): Map<string, number> {
  const counts = new Map<string, number>(group.availabilityZones.map(zone => [zone, 0]));
  for (const member of members) {
    counts.set(member.availabilityZone, (counts.get(member.availabilityZone) ?? 0) + 1);
  }
  return counts;
}
