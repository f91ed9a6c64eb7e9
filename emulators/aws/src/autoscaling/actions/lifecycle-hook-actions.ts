import { AwsApiError, validationError } from '../../errors';
import type { AwsModel } from '../../model/aws-model';
import type { QueryHandler } from '../../protocol/handler';
import type { QueryParams } from '../../protocol/query-request';
import type { GroupMember, PendingLifecycleAction } from '../group';
import { hookXml } from '../serialize';
import { requireGroup } from './group-params';
import { readHook } from './hook-params';

/** PutLifecycleHook: creates or updates a hook; it applies to transitions that start afterwards. */
export const putLifecycleHook: QueryHandler = (model, params) => {
  const group = requireGroup(model, params.requiredString('AutoScalingGroupName'));
  const name = params.requiredString('LifecycleHookName');
  const existing = group.hooks.get(name);
  if (existing === undefined && group.hooks.size >= 50) {
    throw new AwsApiError(
      'LimitExceeded',
      'The maximum number of lifecycle hooks, 50, has been reached.',
    );
  }
  const hook = readHook(group.name, params, existing);
  group.hooks.set(name, hook);
  return {};
};

/** DescribeLifecycleHooks: the group's hooks, optionally by name. */
export const describeLifecycleHooks: QueryHandler = (model, params) => {
  const group = requireGroup(model, params.requiredString('AutoScalingGroupName'));
  const names = params.strings('LifecycleHookNames', true);
  return {
    LifecycleHooks: [...group.hooks.values()]
      .filter(h => names.length === 0 || names.includes(h.lifecycleHookName))
      .map(hookXml),
  };
};

/** DeleteLifecycleHook: removes a hook; waiting actions of it are left to finish or time out. */
export const deleteLifecycleHook: QueryHandler = (model, params) => {
  const group = requireGroup(model, params.requiredString('AutoScalingGroupName'));
  const name = params.requiredString('LifecycleHookName');
  if (!group.hooks.delete(name)) {
    throw validationError(`No Lifecycle Hook found with name ${name} for group ${group.name}`);
  }
  return {};
};

/** CompleteLifecycleAction: CONTINUE or ABANDON for a waiting instance, by InstanceId or token. */
export const completeLifecycleAction: QueryHandler = (model, params) => {
  const result = params.requiredString('LifecycleActionResult');
  if (result !== 'CONTINUE' && result !== 'ABANDON') {
    throw validationError(
      `Invalid value for LifecycleActionResult: ${result}. Valid values are CONTINUE and ABANDON.`,
    );
  }
  const { member, action } = findAction(model, params);
  model.autoscaling.lifecycle.complete(member, action, result);
  return {};
};

/** RecordLifecycleActionHeartbeat: restarts the heartbeat timeout of a waiting action. */
export const recordLifecycleActionHeartbeat: QueryHandler = (model, params) => {
  const { member, action } = findAction(model, params);
  model.autoscaling.lifecycle.heartbeat(member, action);
  return {};
};

function findAction(
  model: AwsModel,
  params: QueryParams,
): { member: GroupMember; action: PendingLifecycleAction } {
  const group = requireGroup(model, params.requiredString('AutoScalingGroupName'));
  const hookName = params.requiredString('LifecycleHookName');
  const instanceId = params.string('InstanceId');
  const token = params.string('LifecycleActionToken');
  if (!group.hooks.has(hookName)) {
    throw validationError(`No Lifecycle Hook found with name ${hookName} for group ${group.name}`);
  }
  if (instanceId === undefined && token === undefined) {
    throw validationError('Either InstanceId or LifecycleActionToken must be specified.');
  }
  const members =
    instanceId === undefined ? [...group.members.values()] : [group.members.get(instanceId)];
  for (const member of members) {
    const action =
      member === undefined ? undefined : model.autoscaling.lifecycle.find(member, hookName, token);
    if (member !== undefined && action !== undefined) {
      return { member, action };
    }
  }
  throw validationError(
    instanceId === undefined
      ? `No active Lifecycle Action found with token ${token ?? ''}`
      : `No active Lifecycle Action found with instance ID ${instanceId}`,
  );
}
