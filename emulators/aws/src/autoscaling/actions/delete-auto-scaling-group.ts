import { AwsApiError } from '../../errors';
import type { QueryHandler } from '../../protocol/handler';
import { deleteCause } from '../causes';
import { isActive } from '../group';
import { requireGroup } from './group-params';

/** DeleteAutoScalingGroup: refuses a group with instances unless ForceDelete, which terminates them. */
export const deleteAutoScalingGroup: QueryHandler = (model, params) => {
  const group = requireGroup(model, params.requiredString('AutoScalingGroupName'));
  const force = params.bool('ForceDelete') ?? false;
  if (group.status === 'Delete in progress') {
    throw new AwsApiError(
      'ScalingActivityInProgress',
      'An AutoScalingGroup delete is already in progress.',
    );
  }
  if (!force && group.members.size > 0) {
    throw new AwsApiError(
      'ResourceInUse',
      'You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request(s) still in the group.',
    );
  }
  group.status = 'Delete in progress';
  group.desiredCapacity = 0;
  group.minSize = 0;
  model.ctx.scheduler.cancel(group.retryTimer);
  const nowMs = model.ctx.clock.now();
  for (const member of [...group.members.values()]) {
    if (isActive(member)) {
      // ForceDelete also drops outstanding lifecycle actions, so hooks do not hold anything.
      model.autoscaling.startTermination(group, member, {
        cause: deleteCause(nowMs),
        useHooks: false,
      });
    } else if (member.pendingActions.size > 0) {
      model.autoscaling.lifecycle.cancelAll(member);
      model.ec2.terminate(member.instanceId, 'group');
    }
  }
  model.autoscaling.reconcile(group);
  return undefined;
};
