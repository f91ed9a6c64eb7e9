import { AwsApiError, validationError } from '../../errors';
import type { QueryHandler } from '../../protocol/handler';
import { explicitSetCause } from '../causes';
import { requireGroup } from './group-params';

/** SetDesiredCapacity: bounded by min/max, optionally refused during the cooldown. */
export const setDesiredCapacity: QueryHandler = (model, params) => {
  const group = requireGroup(model, params.requiredString('AutoScalingGroupName'));
  const desired = params.requiredInt('DesiredCapacity');
  const honorCooldown = params.bool('HonorCooldown') ?? false;
  if (desired > group.maxSize) {
    throw validationError(
      `New SetDesiredCapacity value ${desired} is above max value ${group.maxSize} for the AutoScalingGroup.`,
    );
  }
  if (desired < group.minSize) {
    throw validationError(
      `New SetDesiredCapacity value ${desired} is below min value ${group.minSize} for the AutoScalingGroup.`,
    );
  }
  const nowMs = model.ctx.clock.now();
  if (honorCooldown && nowMs < group.cooldownUntilMs) {
    throw new AwsApiError(
      'ScalingActivityInProgress',
      'Scaling activity is in progress and blocks this action.',
    );
  }
  if (group.status === 'Delete in progress') {
    throw new AwsApiError(
      'ScalingActivityInProgress',
      'An AutoScalingGroup delete is in progress.',
    );
  }
  if (desired !== group.desiredCapacity) {
    group.pendingCause = explicitSetCause(nowMs, group.desiredCapacity, desired);
    group.desiredCapacity = desired;
    group.cooldownUntilMs = nowMs + group.defaultCooldownS * 1000;
    model.autoscaling.reconcile(group);
  }
  return undefined;
};
