import { updatedCause } from '../causes';
import type { QueryHandler } from '../../protocol/handler';
import {
  readLaunchTemplate,
  readPlacement,
  rejectUnmodelledSources,
  requireGroup,
  validateSizes,
} from './group-params';

/** UpdateAutoScalingGroup: changes only the given fields, validating sizes against the result. */
export const updateAutoScalingGroup: QueryHandler = (model, params) => {
  const group = requireGroup(model, params.requiredString('AutoScalingGroupName'));
  rejectUnmodelledSources(params);
  const launchTemplate = readLaunchTemplate(model, params);
  const placement = readPlacement(model, params, false);
  const minSize = params.int('MinSize') ?? group.minSize;
  const maxSize = params.int('MaxSize') ?? group.maxSize;
  let desired = params.int('DesiredCapacity');
  if (desired === undefined) {
    // AWS moves the desired capacity into a changed [min, max] rather than failing.
    desired = Math.min(Math.max(group.desiredCapacity, minSize), maxSize);
  }
  validateSizes(minSize, maxSize, desired);
  if (launchTemplate !== undefined) {
    group.launchTemplate = launchTemplate;
  }
  if (placement !== undefined) {
    group.availabilityZones = placement.availabilityZones;
    group.subnets = placement.subnets;
    group.vpcZoneIdentifier = placement.vpcZoneIdentifier;
  }
  const policies = params.strings('TerminationPolicies', true);
  if (policies.length > 0) {
    group.terminationPolicies = policies;
  }
  group.defaultCooldownS = params.int('DefaultCooldown') ?? group.defaultCooldownS;
  group.healthCheckType = params.string('HealthCheckType') ?? group.healthCheckType;
  group.healthCheckGracePeriodS =
    params.int('HealthCheckGracePeriod') ?? group.healthCheckGracePeriodS;
  group.newInstancesProtectedFromScaleIn =
    params.bool('NewInstancesProtectedFromScaleIn') ?? group.newInstancesProtectedFromScaleIn;
  group.capacityRebalance = params.bool('CapacityRebalance') ?? group.capacityRebalance;
  group.maxInstanceLifetimeS = params.int('MaxInstanceLifetime') ?? group.maxInstanceLifetimeS;
  group.defaultInstanceWarmupS =
    params.int('DefaultInstanceWarmup') ?? group.defaultInstanceWarmupS;
  if (desired !== group.desiredCapacity) {
    group.pendingCause = updatedCause(
      model.ctx.clock.now(),
      { min: minSize, max: maxSize, desired },
      group.desiredCapacity,
    );
  }
  group.minSize = minSize;
  group.maxSize = maxSize;
  group.desiredCapacity = desired;
  model.autoscaling.reconcile(group);
  return undefined;
};
