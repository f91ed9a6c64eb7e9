import { validationError } from '../../errors';
import type { QueryHandler } from '../../protocol/handler';
import { userTerminateCause } from '../causes';
import { isActive } from '../group';
import { activityXml } from '../serialize';

/** TerminateInstanceInAutoScalingGroup: terminates the named member (even protected), with or without decrement. */
export const terminateInstanceInAutoScalingGroup: QueryHandler = (model, params) => {
  const instanceId = params.requiredString('InstanceId');
  const decrement = params.requiredBool('ShouldDecrementDesiredCapacity');
  const found = model.autoscaling.findMember(instanceId);
  if (found === undefined) {
    throw validationError(
      `Instance Id not found - No managed instance found for instance ID: ${instanceId}`,
    );
  }
  const { group, member } = found;
  const nowMs = model.ctx.clock.now();
  if (!isActive(member)) {
    // Already on its way out: AWS answers with the activity already running.
    const existing = model.autoscaling.activities
      .list(group.name)
      .find(a => a.activityId === member.terminateActivityId);
    if (existing !== undefined) {
      return { Activity: activityXml(existing) };
    }
  }
  if (decrement && group.desiredCapacity <= group.minSize) {
    throw validationError(
      `Currently, desiredSize equals minSize (${group.minSize}). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.`,
    );
  }
  const before = group.desiredCapacity;
  if (decrement) {
    group.desiredCapacity -= 1;
  }
  const cause = userTerminateCause(nowMs, instanceId, decrement ? before : undefined);
  const activity = model.autoscaling.startTermination(group, member, { cause, useHooks: true });
  model.autoscaling.reconcile(group);
  return { Activity: activityXml(activity) };
};
