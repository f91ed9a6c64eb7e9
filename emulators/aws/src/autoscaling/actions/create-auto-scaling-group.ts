import { AwsApiError, validationError } from '../../errors';
import type { QueryHandler } from '../../protocol/handler';
import type { AutoScalingGroup, LifecycleHook } from '../group';
import {
  readLaunchTemplate,
  readPlacement,
  readTags,
  rejectUnmodelledSources,
  validateSizes,
} from './group-params';
import { readHook } from './hook-params';
import { createdCause } from '../causes';

function groupArn(region: string, accountId: string, uuid: string, name: string): string {
  return `arn:aws:autoscaling:${region}:${accountId}:autoScalingGroup:${uuid}:autoScalingGroupName/${name}`;
}

/** CreateAutoScalingGroup: validates like AWS, then launches the desired capacity. */
export const createAutoScalingGroup: QueryHandler = (model, params) => {
  const name = params.requiredString('AutoScalingGroupName');
  const minSize = params.requiredInt('MinSize');
  const maxSize = params.requiredInt('MaxSize');
  if (model.autoscaling.groups.has(name)) {
    throw new AwsApiError(
      'AlreadyExists',
      'You already have an Auto Scaling group or launch configuration with this name.',
    );
  }
  rejectUnmodelledSources(params);
  const launchTemplate = readLaunchTemplate(model, params);
  if (launchTemplate === undefined) {
    throw validationError(
      'Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter.',
    );
  }
  const placement = readPlacement(model, params, true);
  const desiredCapacity = params.int('DesiredCapacity') ?? minSize;
  validateSizes(minSize, maxSize, desiredCapacity);
  const policies = params.strings('TerminationPolicies', true);
  const nowMs = model.ctx.clock.now();
  const group: AutoScalingGroup = {
    name,
    arn: groupArn(model.ctx.region, model.ctx.accountId, model.ctx.random.uuid(), name),
    createdTimeMs: nowMs,
    launchTemplate,
    minSize,
    maxSize,
    desiredCapacity,
    defaultCooldownS: params.int('DefaultCooldown') ?? 300,
    availabilityZones: placement?.availabilityZones ?? [],
    subnets: placement?.subnets ?? [],
    vpcZoneIdentifier: placement?.vpcZoneIdentifier,
    healthCheckType: params.string('HealthCheckType') ?? 'EC2',
    healthCheckGracePeriodS: params.int('HealthCheckGracePeriod') ?? 0,
    terminationPolicies: policies.length === 0 ? ['Default'] : policies,
    newInstancesProtectedFromScaleIn: params.bool('NewInstancesProtectedFromScaleIn') ?? false,
    capacityRebalance: params.bool('CapacityRebalance') ?? false,
    maxInstanceLifetimeS: params.int('MaxInstanceLifetime'),
    defaultInstanceWarmupS: params.int('DefaultInstanceWarmup'),
    tags: readTags(params),
    suspended: new Map(),
    members: new Map(),
    hooks: new Map<string, LifecycleHook>(),
    status: undefined,
    cooldownUntilMs: 0,
    pendingCause: undefined,
    rebalance: undefined,
    retryTimer: undefined,
  };
  for (const spec of params.elements('LifecycleHookSpecificationList', true)) {
    const hook = readHook(name, spec, undefined);
    group.hooks.set(hook.lifecycleHookName, hook);
  }
  model.autoscaling.groups.set(name, group);
  model.ctx.logger.info({ group: name, desiredCapacity }, 'group created');
  if (desiredCapacity > 0) {
    group.pendingCause = createdCause(nowMs, desiredCapacity);
  }
  model.autoscaling.reconcile(group);
  return undefined;
};
