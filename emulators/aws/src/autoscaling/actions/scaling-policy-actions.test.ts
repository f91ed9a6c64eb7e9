import {
  DeletePolicyCommand,
  DescribeAutoScalingGroupsCommand,
  DescribePoliciesCommand,
  ExecutePolicyCommand,
  PutScalingPolicyCommand,
} from '@aws-sdk/client-auto-scaling';

import { createGroup, startFixture } from '../../testing/emulator-fixture';
import type { EmulatorFixture } from '../../testing/emulator-fixture';

describe('scaling policies', () => {
  let f: EmulatorFixture;
  beforeEach(async () => {
    f = await startFixture();
  });
  afterEach(async () => {
    await f.close();
  });

  const members = async (): Promise<{ desired: number; states: string[] }> => {
    const out = await f.sdk.autoscaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['g'] }),
    );
    const group = out.AutoScalingGroups?.[0];
    return {
      desired: group?.DesiredCapacity ?? -1,
      states: (group?.Instances ?? []).map(i => i.LifecycleState ?? ''),
    };
  };

  it('stores simple, step and target tracking policies and describes them by group and type', async () => {
    await createGroup(f, { name: 'g', desired: 0 });
    const put = await f.sdk.autoscaling.send(
      new PutScalingPolicyCommand({
        AutoScalingGroupName: 'g',
        PolicyName: 'down',
        AdjustmentType: 'ChangeInCapacity',
        ScalingAdjustment: -1,
      }),
    );
    expect(put.PolicyARN).toMatch(
      /^arn:aws:autoscaling:us-east-1:\d+:scalingPolicy:.*policyName\/down$/,
    );
    await f.sdk.autoscaling.send(
      new PutScalingPolicyCommand({
        AutoScalingGroupName: 'g',
        PolicyName: 'steps',
        PolicyType: 'StepScaling',
        AdjustmentType: 'ChangeInCapacity',
        StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 2 }],
      }),
    );
    await f.sdk.autoscaling.send(
      new PutScalingPolicyCommand({
        AutoScalingGroupName: 'g',
        PolicyName: 'cpu',
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingConfiguration: {
          PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' },
          TargetValue: 50,
        },
      }),
    );

    const all = await f.sdk.autoscaling.send(
      new DescribePoliciesCommand({ AutoScalingGroupName: 'g' }),
    );
    expect(all.ScalingPolicies?.map(p => [p.PolicyName, p.PolicyType])).toEqual([
      ['down', 'SimpleScaling'],
      ['steps', 'StepScaling'],
      ['cpu', 'TargetTrackingScaling'],
    ]);
    expect(all.ScalingPolicies?.[1]?.StepAdjustments).toEqual([
      { MetricIntervalLowerBound: 0, ScalingAdjustment: 2 },
    ]);
    expect(all.ScalingPolicies?.[2]?.TargetTrackingConfiguration?.TargetValue).toBe(50);
    const steps = await f.sdk.autoscaling.send(
      new DescribePoliciesCommand({ AutoScalingGroupName: 'g', PolicyTypes: ['StepScaling'] }),
    );
    expect(steps.ScalingPolicies?.map(p => p.PolicyName)).toEqual(['steps']);

    await f.sdk.autoscaling.send(
      new DeletePolicyCommand({ AutoScalingGroupName: 'g', PolicyName: 'down' }),
    );
    const left = await f.sdk.autoscaling.send(
      new DescribePoliciesCommand({ AutoScalingGroupName: 'g' }),
    );
    expect(left.ScalingPolicies?.map(p => p.PolicyName)).toEqual(['steps', 'cpu']);
  });

  it('refuses a simple policy without an adjustment, and ExecutePolicy on target tracking', async () => {
    await createGroup(f, { name: 'g', desired: 0 });
    await expect(
      f.sdk.autoscaling.send(
        new PutScalingPolicyCommand({
          AutoScalingGroupName: 'g',
          PolicyName: 'bad',
          AdjustmentType: 'ChangeInCapacity',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationError' });
    await f.sdk.autoscaling.send(
      new PutScalingPolicyCommand({
        AutoScalingGroupName: 'g',
        PolicyName: 'cpu',
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingConfiguration: { TargetValue: 50 },
      }),
    );
    await expect(
      f.sdk.autoscaling.send(
        new ExecutePolicyCommand({ AutoScalingGroupName: 'g', PolicyName: 'cpu' }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('executing a scale-in policy lowers desired capacity but leaves protected members alone', async () => {
    await createGroup(f, { name: 'g', desired: 3, protect: true });
    await f.advance(1000);
    await f.sdk.autoscaling.send(
      new PutScalingPolicyCommand({
        AutoScalingGroupName: 'g',
        PolicyName: 'down',
        AdjustmentType: 'ChangeInCapacity',
        ScalingAdjustment: -2,
      }),
    );
    await f.sdk.autoscaling.send(
      new ExecutePolicyCommand({ AutoScalingGroupName: 'g', PolicyName: 'down' }),
    );
    expect(await members()).toEqual({
      desired: 1,
      states: ['InService', 'InService', 'InService'],
    });
  });

  it('executing a scale-in policy terminates unprotected members', async () => {
    await createGroup(f, { name: 'g', desired: 3 });
    await f.advance(1000);
    await f.sdk.autoscaling.send(
      new PutScalingPolicyCommand({
        AutoScalingGroupName: 'g',
        PolicyName: 'half',
        AdjustmentType: 'PercentChangeInCapacity',
        ScalingAdjustment: -50,
      }),
    );
    await f.sdk.autoscaling.send(
      new ExecutePolicyCommand({ AutoScalingGroupName: 'g', PolicyName: 'half' }),
    );
    const after = await members();
    expect(after.desired).toBe(2);
    expect(after.states.filter(s => s === 'InService')).toHaveLength(2);
  });
});
