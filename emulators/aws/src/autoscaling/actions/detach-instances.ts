import { validationError } from '../../errors';
import type { QueryHandler } from '../../protocol/handler';
import { causeTime } from '../activities';
import { activityXml } from '../serialize';
import { requireGroup } from './group-params';

// DetachInstances takes at most 20 ids (the service model's limit).
const maxIdsPerCall = 20;

function detachCause(nowMs: number, instanceId: string, from?: number, to?: number): string {
  const head = `At ${causeTime(nowMs)} instance ${instanceId} was detached in response to a user request`;
  return from === undefined || to === undefined
    ? `${head}.`
    : `${head}, shrinking the capacity from ${from} to ${to}.`;
}

/**
 * DetachInstances: the named InService members leave the group and keep running as plain EC2
 * instances; the group's `aws:autoscaling:groupName` tag is taken off them (as moto does). With
 * decrement the desired capacity drops by their number, else the group launches replacements.
 */
export const detachInstances: QueryHandler = (model, params) => {
  const group = requireGroup(model, params.requiredString('AutoScalingGroupName'));
  const decrement = params.requiredBool('ShouldDecrementDesiredCapacity');
  const ids = params.strings('InstanceIds', true);
  if (ids.length > maxIdsPerCall) {
    throw validationError(
      `1 validation error detected: Value at 'instanceIds' failed to satisfy ` +
        `constraint: Member must have length less than or equal to ${maxIdsPerCall}`,
    );
  }
  const members = ids.map(id => {
    const member = group.members.get(id);
    if (member === undefined) {
      throw validationError(`The instance ${id} is not part of Auto Scaling group ${group.name}.`);
    }
    if (member.lifecycleState !== 'InService') {
      throw validationError(`The instance ${id} is not in InService or Standby.`);
    }
    return member;
  });
  if (decrement && group.desiredCapacity - members.length < group.minSize) {
    throw validationError(
      `Currently, desiredSize equals minSize (${group.minSize}). Detaching instance without ` +
        `replacement will violate group's min size constraint. Either set ` +
        `shouldDecrementDesiredCapacity flag to false or lower group's min size.`,
    );
  }
  const nowMs = model.ctx.clock.now();
  const answers = members.map(member => {
    const before = group.desiredCapacity;
    if (decrement) {
      group.desiredCapacity -= 1;
    }
    const activity = model.autoscaling.activities.start({
      groupName: group.name,
      groupArn: group.arn,
      description: `Detaching EC2 instance: ${member.instanceId}`,
      cause: decrement
        ? detachCause(nowMs, member.instanceId, before, group.desiredCapacity)
        : detachCause(nowMs, member.instanceId),
      nowMs,
      details: { 'Availability Zone': member.availabilityZone },
    });
    activity.progress = 50;
    // The answer shows the activity as AWS does, in progress; the model finishes it at once.
    const answer = activityXml(activity);
    model.autoscaling.detach(group, member);
    model.autoscaling.activities.update(activity.activityId, 'Successful', nowMs);
    return answer;
  });
  model.autoscaling.reconcile(group);
  return { Activities: answers };
};
