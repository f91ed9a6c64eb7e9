import { AwsApiError, validationError } from '../../errors';
import type { QueryHandler } from '../../protocol/handler';
import { requireGroup } from './group-params';

/** SetInstanceProtection: sets ProtectedFromScaleIn on up to 50 members of one group. */
export const setInstanceProtection: QueryHandler = (model, params) => {
  const ids = params.strings('InstanceIds', true);
  const group = requireGroup(model, params.requiredString('AutoScalingGroupName'));
  const protect = params.requiredBool('ProtectedFromScaleIn');
  if (ids.length === 0) {
    throw validationError(
      "1 validation error detected: Value null at 'instanceIds' failed to satisfy constraint: Member must not be null",
    );
  }
  if (ids.length > 50) {
    throw new AwsApiError(
      'LimitExceeded',
      'The maximum number of instance IDs, 50, has been exceeded.',
    );
  }
  const members = ids.map(id => {
    const member = group.members.get(id);
    if (member === undefined) {
      throw validationError(`The instance ${id} is not part of Auto Scaling group ${group.name}.`);
    }
    return member;
  });
  for (const member of members) {
    member.protectedFromScaleIn = protect;
  }
  // Removing protection may let a pending scale-in go ahead.
  model.autoscaling.reconcile(group);
  return {};
};
