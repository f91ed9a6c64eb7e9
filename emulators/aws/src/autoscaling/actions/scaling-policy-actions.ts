import { validationError } from '../../errors';
import type { AwsModel } from '../../model/aws-model';
import type { QueryHandler } from '../../protocol/handler';
import type { QueryParams } from '../../protocol/query-request';
import type { XmlValue } from '../../protocol/xml-values';
import { policyCause } from '../causes';
import type {
  AdjustmentType,
  AutoScalingGroup,
  ScalingPolicy,
  ScalingPolicyType,
  StepAdjustment,
} from '../group';
import { requireGroup } from './group-params';

const POLICY_TYPES: readonly string[] = [
  'SimpleScaling',
  'StepScaling',
  'TargetTrackingScaling',
  'PredictiveScaling',
];
const ADJUSTMENT_TYPES: readonly string[] = [
  'ChangeInCapacity',
  'ExactCapacity',
  'PercentChangeInCapacity',
];

function policiesOf(group: AutoScalingGroup): Map<string, ScalingPolicy> {
  group.policies ??= new Map();
  return group.policies;
}

function float(params: QueryParams, name: string): number | undefined {
  const raw = params.string(name);
  if (raw === undefined) {
    return undefined;
  }
  const value = Number(raw);
  if (!Number.isFinite(value)) {
    throw validationError(`Value '${raw}' for parameter ${name} is invalid.`);
  }
  return value;
}

function readSteps(params: QueryParams): StepAdjustment[] {
  return params.elements('StepAdjustments', true).map(step => ({
    lowerBound: float(step, 'MetricIntervalLowerBound'),
    upperBound: float(step, 'MetricIntervalUpperBound'),
    scalingAdjustment: step.requiredInt('ScalingAdjustment'),
  }));
}

function readPolicy(model: AwsModel, group: AutoScalingGroup, params: QueryParams): ScalingPolicy {
  const policyName = params.requiredString('PolicyName');
  const policyType = params.string('PolicyType') ?? 'SimpleScaling';
  if (!POLICY_TYPES.includes(policyType)) {
    throw validationError(`Invalid policy type: ${policyType}`);
  }
  const adjustmentType = params.string('AdjustmentType');
  if (adjustmentType !== undefined && !ADJUSTMENT_TYPES.includes(adjustmentType)) {
    throw validationError(`Invalid adjustment type: ${adjustmentType}`);
  }
  const scalingAdjustment = params.int('ScalingAdjustment');
  const stepAdjustments = readSteps(params);
  if (policyType === 'SimpleScaling' && scalingAdjustment === undefined) {
    throw validationError('ScalingAdjustment is required for a SimpleScaling policy.');
  }
  if (policyType === 'StepScaling' && stepAdjustments.length === 0) {
    throw validationError('StepAdjustments are required for a StepScaling policy.');
  }
  if ((policyType === 'SimpleScaling' || policyType === 'StepScaling') && !adjustmentType) {
    throw validationError(`AdjustmentType is required for a ${policyType} policy.`);
  }
  const tracking = params.sub('TargetTrackingConfiguration');
  const targetValue = float(tracking, 'TargetValue');
  if (policyType === 'TargetTrackingScaling' && targetValue === undefined) {
    throw validationError(
      'TargetTrackingConfiguration is required for a TargetTrackingScaling policy.',
    );
  }
  const existing = group.policies?.get(policyName);
  return {
    policyName,
    policyArn:
      existing?.policyArn ??
      `arn:aws:autoscaling:${model.ctx.region}:${model.ctx.accountId}:scalingPolicy:` +
        `${model.ctx.random.uuid()}:autoScalingGroupName/${group.name}:policyName/${policyName}`,
    autoScalingGroupName: group.name,
    policyType: policyType as ScalingPolicyType,
    adjustmentType: adjustmentType as AdjustmentType | undefined,
    scalingAdjustment,
    minAdjustmentMagnitude: params.int('MinAdjustmentMagnitude'),
    cooldownS: params.int('Cooldown'),
    stepAdjustments,
    metricAggregationType: params.string('MetricAggregationType'),
    estimatedInstanceWarmupS: params.int('EstimatedInstanceWarmup'),
    targetTracking:
      targetValue === undefined
        ? undefined
        : {
            metricType: tracking
              .sub('PredefinedMetricSpecification')
              .string('PredefinedMetricType'),
            targetValue,
          },
    enabled: params.bool('Enabled') ?? true,
  };
}

/** The `ScalingPolicy` shape of DescribePolicies. */
function policyXml(policy: ScalingPolicy): Record<string, XmlValue> {
  return {
    AutoScalingGroupName: policy.autoScalingGroupName,
    PolicyName: policy.policyName,
    PolicyARN: policy.policyArn,
    PolicyType: policy.policyType,
    AdjustmentType: policy.adjustmentType,
    MinAdjustmentMagnitude: policy.minAdjustmentMagnitude,
    ScalingAdjustment: policy.scalingAdjustment,
    Cooldown: policy.cooldownS,
    StepAdjustments: policy.stepAdjustments.map(step => ({
      MetricIntervalLowerBound: step.lowerBound,
      MetricIntervalUpperBound: step.upperBound,
      ScalingAdjustment: step.scalingAdjustment,
    })),
    MetricAggregationType: policy.metricAggregationType,
    EstimatedInstanceWarmup: policy.estimatedInstanceWarmupS,
    Alarms: [],
    TargetTrackingConfiguration:
      policy.targetTracking === undefined
        ? undefined
        : {
            PredefinedMetricSpecification:
              policy.targetTracking.metricType === undefined
                ? undefined
                : { PredefinedMetricType: policy.targetTracking.metricType },
            TargetValue: policy.targetTracking.targetValue,
          },
    Enabled: policy.enabled,
  };
}

/** PutScalingPolicy: creates or replaces a policy; alarms are not modelled, so it never fires. */
export const putScalingPolicy: QueryHandler = (model, params) => {
  const group = requireGroup(model, params.requiredString('AutoScalingGroupName'));
  const policy = readPolicy(model, group, params);
  policiesOf(group).set(policy.policyName, policy);
  return { PolicyARN: policy.policyArn, Alarms: [] };
};

/** DescribePolicies: by group, names and types; every group's policies without a group name. */
export const describePolicies: QueryHandler = (model, params) => {
  const groupName = params.string('AutoScalingGroupName');
  const groups =
    groupName === undefined
      ? [...model.autoscaling.groups.values()]
      : [requireGroup(model, groupName)];
  const names = params.strings('PolicyNames', true);
  const types = params.strings('PolicyTypes', true);
  return {
    ScalingPolicies: groups
      .flatMap(group => [...policiesOf(group).values()])
      .filter(
        p => names.length === 0 || names.includes(p.policyName) || names.includes(p.policyArn),
      )
      .filter(p => types.length === 0 || types.includes(p.policyType))
      .map(policyXml),
  };
};

function requirePolicy(
  model: AwsModel,
  params: QueryParams,
): { group: AutoScalingGroup; policy: ScalingPolicy } {
  const name = params.requiredString('PolicyName');
  const groupName = params.string('AutoScalingGroupName');
  const groups =
    groupName === undefined
      ? [...model.autoscaling.groups.values()]
      : [requireGroup(model, groupName)];
  for (const group of groups) {
    const policy = [...policiesOf(group).values()].find(
      p => p.policyName === name || p.policyArn === name,
    );
    if (policy !== undefined) {
      return { group, policy };
    }
  }
  throw validationError(
    `No scaling policy found for service namespace: autoscaling, policy: ${name}`,
  );
}

/** DeletePolicy: removes a policy by name (with the group) or ARN. */
export const deletePolicy: QueryHandler = (model, params) => {
  const { group, policy } = requirePolicy(model, params);
  policiesOf(group).delete(policy.policyName);
  return undefined;
};

/** The desired capacity a simple or step adjustment gives, before the group's bounds. */
function adjusted(
  current: number,
  type: AdjustmentType | undefined,
  amount: number,
  minMagnitude: number | undefined,
): number {
  switch (type) {
    case 'ExactCapacity':
      return amount;
    case 'PercentChangeInCapacity': {
      const raw = (current * amount) / 100;
      // AWS rounds toward zero, but moves at least one instance (or MinAdjustmentMagnitude).
      const change = Math.trunc(raw) === 0 && raw !== 0 ? Math.sign(raw) : Math.trunc(raw);
      const magnitude = Math.max(Math.abs(change), minMagnitude ?? 0);
      return current + Math.sign(change) * magnitude;
    }
    default:
      return current + amount;
  }
}

function stepAmount(policy: ScalingPolicy, params: QueryParams): number {
  const metric = float(params, 'MetricValue');
  const threshold = float(params, 'BreachThreshold');
  if (metric === undefined || threshold === undefined) {
    throw validationError('MetricValue and BreachThreshold are required for a StepScaling policy.');
  }
  const offset = metric - threshold;
  const step = policy.stepAdjustments.find(
    s =>
      (s.lowerBound === undefined || offset >= s.lowerBound) &&
      (s.upperBound === undefined || offset < s.upperBound),
  );
  if (step === undefined) {
    throw validationError(`No step adjustment found for metric value ${metric}.`);
  }
  return step.scalingAdjustment;
}

/** ExecutePolicy: applies a simple or step policy now, as its alarm would; scale-in skips protected members. */
export const executePolicy: QueryHandler = (model, params) => {
  const { group, policy } = requirePolicy(model, params);
  if (policy.policyType !== 'SimpleScaling' && policy.policyType !== 'StepScaling') {
    throw validationError(`ExecutePolicy is not supported for a ${policy.policyType} policy.`);
  }
  const amount =
    policy.policyType === 'SimpleScaling'
      ? (policy.scalingAdjustment ?? 0)
      : stepAmount(policy, params);
  const from = group.desiredCapacity;
  const to = Math.min(
    group.maxSize,
    Math.max(
      group.minSize,
      adjusted(from, policy.adjustmentType, amount, policy.minAdjustmentMagnitude),
    ),
  );
  if (to !== from) {
    const nowMs = model.ctx.clock.now();
    group.pendingCause = policyCause(nowMs, policy.policyName, from, to);
    group.desiredCapacity = to;
    model.autoscaling.reconcile(group);
  }
  return undefined;
};
