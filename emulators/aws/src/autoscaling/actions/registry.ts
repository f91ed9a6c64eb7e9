import type { QueryHandler } from '../../protocol/handler';
import { createAutoScalingGroup } from './create-auto-scaling-group';
import { deleteAutoScalingGroup } from './delete-auto-scaling-group';
import { describeAutoScalingGroups } from './describe-auto-scaling-groups';
import { describeAutoScalingInstances } from './describe-auto-scaling-instances';
import { describeScalingActivities } from './describe-scaling-activities';
import { detachInstances } from './detach-instances';
import {
  completeLifecycleAction,
  deleteLifecycleHook,
  describeLifecycleHooks,
  putLifecycleHook,
  recordLifecycleActionHeartbeat,
} from './lifecycle-hook-actions';
import {
  deletePolicy,
  describePolicies,
  executePolicy,
  putScalingPolicy,
} from './scaling-policy-actions';
import { setDesiredCapacity } from './set-desired-capacity';
import { setInstanceProtection } from './set-instance-protection';
import { resumeProcesses, suspendProcesses } from './suspend-resume-processes';
import { terminateInstanceInAutoScalingGroup } from './terminate-instance-in-auto-scaling-group';
import { updateAutoScalingGroup } from './update-auto-scaling-group';

/** Every Auto Scaling action the emulator implements, by Action name. */
export const autoScalingActions: ReadonlyMap<string, QueryHandler> = new Map([
  ['CreateAutoScalingGroup', createAutoScalingGroup],
  ['UpdateAutoScalingGroup', updateAutoScalingGroup],
  ['DeleteAutoScalingGroup', deleteAutoScalingGroup],
  ['DescribeAutoScalingGroups', describeAutoScalingGroups],
  ['DescribeAutoScalingInstances', describeAutoScalingInstances],
  ['SetDesiredCapacity', setDesiredCapacity],
  ['TerminateInstanceInAutoScalingGroup', terminateInstanceInAutoScalingGroup],
  ['SetInstanceProtection', setInstanceProtection],
  ['DetachInstances', detachInstances],
  ['SuspendProcesses', suspendProcesses],
  ['ResumeProcesses', resumeProcesses],
  ['DescribeScalingActivities', describeScalingActivities],
  ['PutLifecycleHook', putLifecycleHook],
  ['DescribeLifecycleHooks', describeLifecycleHooks],
  ['DeleteLifecycleHook', deleteLifecycleHook],
  ['CompleteLifecycleAction', completeLifecycleAction],
  ['RecordLifecycleActionHeartbeat', recordLifecycleActionHeartbeat],
  ['PutScalingPolicy', putScalingPolicy],
  ['DescribePolicies', describePolicies],
  ['DeletePolicy', deletePolicy],
  ['ExecutePolicy', executePolicy],
]);
