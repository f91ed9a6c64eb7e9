import { validationError } from '../../errors';
import type { QueryParams } from '../../protocol/query-request';
import type { LifecycleHook, LifecycleTransition } from '../group';

const TRANSITIONS: readonly string[] = [
  'autoscaling:EC2_INSTANCE_LAUNCHING',
  'autoscaling:EC2_INSTANCE_TERMINATING',
];

/** Builds a hook from PutLifecycleHook or a LifecycleHookSpecification, with AWS's defaults. */
export function readHook(
  groupName: string,
  params: QueryParams,
  existing: LifecycleHook | undefined,
): LifecycleHook {
  const name = params.requiredString('LifecycleHookName');
  const transition = params.string('LifecycleTransition') ?? existing?.lifecycleTransition;
  if (transition === undefined) {
    throw validationError('A lifecycle transition must be specified.');
  }
  if (!TRANSITIONS.includes(transition)) {
    throw validationError(`Invalid Lifecycle Transition: ${transition}`);
  }
  const heartbeatTimeoutS = params.int('HeartbeatTimeout') ?? existing?.heartbeatTimeoutS ?? 3600;
  if (heartbeatTimeoutS < 30 || heartbeatTimeoutS > 7200) {
    throw validationError(
      `Heartbeat timeout must be between 30 and 7200 seconds, got ${heartbeatTimeoutS}.`,
    );
  }
  const defaultResult = params.string('DefaultResult') ?? existing?.defaultResult ?? 'ABANDON';
  if (defaultResult !== 'CONTINUE' && defaultResult !== 'ABANDON') {
    throw validationError(`Invalid default result: ${defaultResult}`);
  }
  return {
    lifecycleHookName: name,
    autoScalingGroupName: groupName,
    lifecycleTransition: transition as LifecycleTransition,
    heartbeatTimeoutS,
    // AWS caps the wait at 100 heartbeat timeouts or 48 hours, whichever is smaller.
    globalTimeoutS: Math.min(100 * heartbeatTimeoutS, 172_800),
    defaultResult: defaultResult,
    notificationTargetArn:
      params.string('NotificationTargetARN') ?? existing?.notificationTargetArn,
    roleArn: params.string('RoleARN') ?? existing?.roleArn,
    notificationMetadata: params.string('NotificationMetadata') ?? existing?.notificationMetadata,
  };
}
