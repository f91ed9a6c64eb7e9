import {
  CompleteLifecycleActionCommand,
  DeleteLifecycleHookCommand,
  DescribeLifecycleHooksCommand,
  DescribeScalingActivitiesCommand,
  PutLifecycleHookCommand,
  RecordLifecycleActionHeartbeatCommand,
  ResumeProcessesCommand,
  SetDesiredCapacityCommand,
  SuspendProcessesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';

import { createGroup, startFixture } from '../../testing/emulator-fixture';
import type { EmulatorFixture } from '../../testing/emulator-fixture';
import { describeGroup, rejection } from '../../testing/sdk-assertions';

describe('Auto Scaling processes, activities and lifecycle hooks through the real SDK', () => {
  let f: EmulatorFixture;
  beforeEach(async () => {
    f = await startFixture();
  });
  afterEach(async () => {
    await f.close();
  });

  const describe1 = (name: string): Promise<AutoScalingGroup> => describeGroup(f, name);

  it('SuspendProcesses Launch stops launches until ResumeProcesses; an invalid process name fails', async () => {
    await createGroup(f, { name: 'g' });
    await f.sdk.autoscaling.send(
      new SuspendProcessesCommand({
        AutoScalingGroupName: 'g',
        ScalingProcesses: ['Launch', 'AZRebalance'],
      }),
    );
    await f.sdk.autoscaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: 'g', DesiredCapacity: 1 }),
    );
    let group = await describe1('g');
    expect(group.SuspendedProcesses?.map(p => p.ProcessName)).toEqual(['Launch', 'AZRebalance']);
    expect(group.SuspendedProcesses?.[0]?.SuspensionReason).toMatch(/^User suspended at /);
    expect(group.Instances).toEqual([]);
    await f.sdk.autoscaling.send(
      new ResumeProcessesCommand({ AutoScalingGroupName: 'g', ScalingProcesses: ['Launch'] }),
    );
    group = await describe1('g');
    expect(group.Instances).toHaveLength(1);
    expect(group.SuspendedProcesses?.map(p => p.ProcessName)).toEqual(['AZRebalance']);
    expect(
      await rejection(
        f.sdk.autoscaling.send(
          new SuspendProcessesCommand({ AutoScalingGroupName: 'g', ScalingProcesses: ['Nope'] }),
        ),
      ),
    ).toMatchObject({ name: 'ValidationError', status: 400 });
  });

  it('DescribeScalingActivities lists launches newest first with their final status', async () => {
    await createGroup(f, { name: 'g' });
    await f.sdk.autoscaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: 'g', DesiredCapacity: 1 }),
    );
    await f.advance(1000);
    await f.sdk.autoscaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: 'g', DesiredCapacity: 2 }),
    );
    const out = await f.sdk.autoscaling.send(
      new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'g' }),
    );
    expect(out.Activities?.map(a => a.StatusCode)).toEqual(['PreInService', 'Successful']);
    expect(out.Activities?.[1]?.Cause).toMatch(
      new RegExp(
        'a user request explicitly set group desired capacity changing the desired capacity ' +
          'from 0 to 1\\. {2}At .* an instance was started in response to a difference between ' +
          'desired and actual capacity, increasing the capacity from 0 to 1\\.$',
      ),
    );
    expect(out.Activities?.[1]?.EndTime).toBeInstanceOf(Date);
    expect(out.Activities?.[1]?.Progress).toBe(100);
  });

  it('PutLifecycleHook holds Pending:Wait; CompleteLifecycleAction CONTINUE ends it', async () => {
    await createGroup(f, { name: 'g' });
    await f.sdk.autoscaling.send(
      new PutLifecycleHookCommand({
        AutoScalingGroupName: 'g',
        LifecycleHookName: 'ready',
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
        HeartbeatTimeout: 60,
        DefaultResult: 'ABANDON',
      }),
    );
    await f.sdk.autoscaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: 'g', DesiredCapacity: 1 }),
    );
    await f.advance(1000);
    const id = (await describe1('g')).Instances?.[0]?.InstanceId;
    expect((await describe1('g')).Instances?.[0]?.LifecycleState).toBe('Pending:Wait');
    await f.advance(50_000);
    await f.sdk.autoscaling.send(
      new RecordLifecycleActionHeartbeatCommand({
        AutoScalingGroupName: 'g',
        LifecycleHookName: 'ready',
        InstanceId: id,
      }),
    );
    await f.advance(50_000);
    expect((await describe1('g')).Instances?.[0]?.LifecycleState).toBe('Pending:Wait');
    await f.sdk.autoscaling.send(
      new CompleteLifecycleActionCommand({
        AutoScalingGroupName: 'g',
        LifecycleHookName: 'ready',
        InstanceId: id,
        LifecycleActionResult: 'CONTINUE',
      }),
    );
    expect((await describe1('g')).Instances?.[0]?.LifecycleState).toBe('InService');
    expect(
      await rejection(
        f.sdk.autoscaling.send(
          new CompleteLifecycleActionCommand({
            AutoScalingGroupName: 'g',
            LifecycleHookName: 'ready',
            InstanceId: id,
            LifecycleActionResult: 'CONTINUE',
          }),
        ),
      ),
    ).toEqual({
      name: 'ValidationError',
      message: `No active Lifecycle Action found with instance ID ${id ?? ''}`,
      status: 400,
    });
  });

  it('a terminating hook holds Terminating:Wait until its timeout applies DefaultResult', async () => {
    await createGroup(f, { name: 'g', desired: 1 });
    await f.sdk.autoscaling.send(
      new PutLifecycleHookCommand({
        AutoScalingGroupName: 'g',
        LifecycleHookName: 'drain',
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        HeartbeatTimeout: 30,
      }),
    );
    await f.advance(1000);
    const id = (await describe1('g')).Instances?.[0]?.InstanceId;
    await f.sdk.autoscaling.send(
      new TerminateInstanceInAutoScalingGroupCommand({
        InstanceId: id,
        ShouldDecrementDesiredCapacity: true,
      }),
    );
    expect((await describe1('g')).Instances?.[0]?.LifecycleState).toBe('Terminating:Wait');
    await f.advance(29_999);
    expect((await describe1('g')).Instances?.[0]?.LifecycleState).toBe('Terminating:Wait');
    await f.advance(1);
    expect((await describe1('g')).Instances?.[0]?.LifecycleState).toBe('Terminating:Proceed');
    await f.advance(500);
    expect((await describe1('g')).Instances).toEqual([]);
    expect(
      await rejection(
        f.sdk.autoscaling.send(
          new PutLifecycleHookCommand({
            AutoScalingGroupName: 'g',
            LifecycleHookName: 'bad',
            LifecycleTransition: 'autoscaling:NOPE',
          }),
        ),
      ),
    ).toMatchObject({ name: 'ValidationError', status: 400 });
  });

  it('DescribeLifecycleHooks lists hooks with their defaults; DeleteLifecycleHook removes one', async () => {
    await createGroup(f, { name: 'g' });
    await f.sdk.autoscaling.send(
      new PutLifecycleHookCommand({
        AutoScalingGroupName: 'g',
        LifecycleHookName: 'ready',
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
      }),
    );
    const out = await f.sdk.autoscaling.send(
      new DescribeLifecycleHooksCommand({ AutoScalingGroupName: 'g' }),
    );
    expect(out.LifecycleHooks).toEqual([
      expect.objectContaining({
        LifecycleHookName: 'ready',
        HeartbeatTimeout: 3600,
        GlobalTimeout: 172_800,
        DefaultResult: 'ABANDON',
      }),
    ]);
    await f.sdk.autoscaling.send(
      new DeleteLifecycleHookCommand({ AutoScalingGroupName: 'g', LifecycleHookName: 'ready' }),
    );
    const after = await f.sdk.autoscaling.send(
      new DescribeLifecycleHooksCommand({ AutoScalingGroupName: 'g' }),
    );
    expect(after.LifecycleHooks).toEqual([]);
    expect(
      await rejection(
        f.sdk.autoscaling.send(
          new DeleteLifecycleHookCommand({ AutoScalingGroupName: 'g', LifecycleHookName: 'ready' }),
        ),
      ),
    ).toMatchObject({ name: 'ValidationError', status: 400 });
  });
});
