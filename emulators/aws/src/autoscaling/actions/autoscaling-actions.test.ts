import {
  CreateAutoScalingGroupCommand,
  DeleteAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  SetDesiredCapacityCommand,
  SetInstanceProtectionCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
  paginateDescribeAutoScalingGroups,
} from '@aws-sdk/client-auto-scaling';
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';

import { createGroup, startFixture } from '../../testing/emulator-fixture';
import { describeGroup, rejection } from '../../testing/sdk-assertions';
import type { EmulatorFixture } from '../../testing/emulator-fixture';

describe('Auto Scaling actions through the real SDK', () => {
  let f: EmulatorFixture;
  beforeEach(async () => {
    f = await startFixture();
  });
  afterEach(async () => {
    await f.close();
  });

  const describe1 = (name: string): Promise<AutoScalingGroup> => describeGroup(f, name);

  it('CreateAutoScalingGroup launches the desired capacity, Pending then InService after the boot delay', async () => {
    await createGroup(f, { name: 'g', desired: 2, protect: true });
    let group = await describe1('g');
    expect(group).toMatchObject({
      MinSize: 0,
      MaxSize: 10,
      DesiredCapacity: 2,
      NewInstancesProtectedFromScaleIn: true,
    });
    expect(group.CreatedTime).toBeInstanceOf(Date);
    expect(group.Instances?.map(i => i.LifecycleState)).toEqual(['Pending', 'Pending']);
    expect(group.Instances?.every(i => i.ProtectedFromScaleIn)).toBe(true);
    expect(new Set(group.Instances?.map(i => i.AvailabilityZone))).toEqual(
      new Set(['us-east-1a', 'us-east-1b']),
    );
    await f.advance(999);
    expect((await describe1('g')).Instances?.map(i => i.LifecycleState)).toEqual([
      'Pending',
      'Pending',
    ]);
    await f.advance(1);
    group = await describe1('g');
    expect(group.Instances?.map(i => i.LifecycleState)).toEqual(['InService', 'InService']);
  });

  it('CreateAutoScalingGroup errors: exists, no source, no zones, sizes, template', async () => {
    await createGroup(f, { name: 'g' });
    const base = {
      AutoScalingGroupName: 'g2',
      MinSize: 0,
      MaxSize: 2,
      AvailabilityZones: ['us-east-1a'],
    };
    const lt = { LaunchTemplate: { LaunchTemplateName: 'g-lt' } };
    const cases: [object, string, string][] = [
      [
        { ...base, ...lt, AutoScalingGroupName: 'g' },
        'AlreadyExistsFault',
        'You already have an Auto Scaling group or launch configuration with this name.',
      ],
      [
        base,
        'ValidationError',
        'Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter.',
      ],
      [
        { ...base, ...lt, AvailabilityZones: undefined },
        'ValidationError',
        'At least one Availability Zone or VPC Subnet is required.',
      ],
      [
        { ...base, ...lt, MinSize: 3 },
        'ValidationError',
        'Max bound, 2, must be greater than or equal to min bound, 3',
      ],
      [
        { ...base, ...lt, DesiredCapacity: 5 },
        'ValidationError',
        'Desired capacity:5 must be between the specified min size:0 and max size:2',
      ],
      [
        { ...base, LaunchTemplate: { LaunchTemplateName: 'nope' } },
        'ValidationError',
        'You must use a valid fully-formed launch template. The specified launch template, with template name nope, does not exist.',
      ],
    ];
    for (const [input, code, message] of cases) {
      const error = await rejection(
        f.sdk.autoscaling.send(new CreateAutoScalingGroupCommand(input as never)),
      );
      expect(error).toEqual({ name: code, message, status: 400 });
    }
  });

  it('UpdateAutoScalingGroup changes given fields, validates min/max, unknown group', async () => {
    await createGroup(f, { name: 'g', desired: 1 });
    await f.sdk.autoscaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: 'g',
        MaxSize: 3,
        NewInstancesProtectedFromScaleIn: true,
      }),
    );
    expect(await describe1('g')).toMatchObject({
      MinSize: 0,
      MaxSize: 3,
      DesiredCapacity: 1,
      NewInstancesProtectedFromScaleIn: true,
    });
    expect(
      await rejection(
        f.sdk.autoscaling.send(
          new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'g', MinSize: 5 }),
        ),
      ),
    ).toEqual({
      name: 'ValidationError',
      message: 'Max bound, 3, must be greater than or equal to min bound, 5',
      status: 400,
    });
    expect(
      await rejection(
        f.sdk.autoscaling.send(
          new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'nope', MaxSize: 3 }),
        ),
      ),
    ).toEqual({
      name: 'ValidationError',
      message: 'AutoScalingGroup name not found - null',
      status: 400,
    });
  });

  it('DeleteAutoScalingGroup: ResourceInUse, then ForceDelete terminates and removes', async () => {
    await createGroup(f, { name: 'g', desired: 1 });
    await f.advance(1000);
    expect(
      await rejection(
        f.sdk.autoscaling.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'g' })),
      ),
    ).toMatchObject({
      name: 'ResourceInUseFault',
      status: 400,
    });
    await f.sdk.autoscaling.send(
      new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'g', ForceDelete: true }),
    );
    expect((await describe1('g')).Status).toBe('Delete in progress');
    await f.advance(500);
    const out = await f.sdk.autoscaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['g'] }),
    );
    expect(out.AutoScalingGroups).toEqual([]);
    expect([...f.host.launched.values()].every(r => r.terminated)).toBe(true);
  });

  it('DescribeAutoScalingGroups: unknown names, empty list, tag filters, pages end', async () => {
    for (const name of ['a1', 'a2', 'a3']) {
      await createGroup(f, { name, withKey: false });
    }
    await f.sdk.autoscaling.send(
      new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'a2', MaxSize: 4 }),
    );
    expect(
      (
        await f.sdk.autoscaling.send(
          new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['zz'] }),
        )
      ).AutoScalingGroups,
    ).toEqual([]);
    expect(
      (
        await f.sdk.autoscaling.send(
          new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [] }),
        )
      ).AutoScalingGroups,
    ).toHaveLength(3);
    const names: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeAutoScalingGroups(
      { client: f.sdk.autoscaling, pageSize: 2 },
      {},
    )) {
      pages++;
      names.push(...(page.AutoScalingGroups ?? []).map(g => g.AutoScalingGroupName ?? ''));
    }
    expect({ pages, names }).toEqual({ pages: 2, names: ['a1', 'a2', 'a3'] });
    expect(
      await rejection(
        f.sdk.autoscaling.send(new DescribeAutoScalingGroupsCommand({ NextToken: 'bogus' })),
      ),
    ).toMatchObject({ name: 'InvalidNextToken', status: 400 });
    const filtered = await f.sdk.autoscaling.send(
      new DescribeAutoScalingGroupsCommand({ Filters: [{ Name: 'tag:team', Values: ['x'] }] }),
    );
    expect(filtered.AutoScalingGroups).toEqual([]);
  });

  it('DescribeAutoScalingInstances lists members with upper-case health status', async () => {
    await createGroup(f, { name: 'g', desired: 1 });
    const out = await f.sdk.autoscaling.send(new DescribeAutoScalingInstancesCommand({}));
    expect(out.AutoScalingInstances).toEqual([
      expect.objectContaining({
        AutoScalingGroupName: 'g',
        LifecycleState: 'Pending',
        HealthStatus: 'HEALTHY',
        ProtectedFromScaleIn: false,
      }),
    ]);
  });

  it('SetDesiredCapacity: above max, below min, HonorCooldown inside the cooldown', async () => {
    await createGroup(f, { name: 'g', min: 1, max: 2, desired: 1 });
    expect(
      await rejection(
        f.sdk.autoscaling.send(
          new SetDesiredCapacityCommand({ AutoScalingGroupName: 'g', DesiredCapacity: 3 }),
        ),
      ),
    ).toEqual({
      name: 'ValidationError',
      message: 'New SetDesiredCapacity value 3 is above max value 2 for the AutoScalingGroup.',
      status: 400,
    });
    expect(
      await rejection(
        f.sdk.autoscaling.send(
          new SetDesiredCapacityCommand({ AutoScalingGroupName: 'g', DesiredCapacity: 0 }),
        ),
      ),
    ).toEqual({
      name: 'ValidationError',
      message: 'New SetDesiredCapacity value 0 is below min value 1 for the AutoScalingGroup.',
      status: 400,
    });
    await f.sdk.autoscaling.send(
      new SetDesiredCapacityCommand({
        AutoScalingGroupName: 'g',
        DesiredCapacity: 2,
        HonorCooldown: false,
      }),
    );
    expect(
      await rejection(
        f.sdk.autoscaling.send(
          new SetDesiredCapacityCommand({
            AutoScalingGroupName: 'g',
            DesiredCapacity: 1,
            HonorCooldown: true,
          }),
        ),
      ),
    ).toMatchObject({ name: 'ScalingActivityInProgressFault', status: 400 });
    await f.advance(300_000);
    await f.sdk.autoscaling.send(
      new SetDesiredCapacityCommand({
        AutoScalingGroupName: 'g',
        DesiredCapacity: 1,
        HonorCooldown: true,
      }),
    );
    expect((await describe1('g')).DesiredCapacity).toBe(1);
    expect(
      await rejection(
        f.sdk.autoscaling.send(
          new SetDesiredCapacityCommand({ AutoScalingGroupName: 'x', DesiredCapacity: 1 }),
        ),
      ),
    ).toMatchObject({
      name: 'ValidationError',
    });
  });

  it('TerminateInstanceInAutoScalingGroup: decrement shrinks, else a replacement', async () => {
    await createGroup(f, { name: 'g', desired: 2, protect: true });
    await f.advance(1000);
    const [a, b] = ((await describe1('g')).Instances ?? []).map(i => i.InstanceId ?? '');
    const out = await f.sdk.autoscaling.send(
      new TerminateInstanceInAutoScalingGroupCommand({
        InstanceId: a,
        ShouldDecrementDesiredCapacity: true,
      }),
    );
    expect(out.Activity).toMatchObject({
      AutoScalingGroupName: 'g',
      Description: `Terminating EC2 instance: ${a ?? ''}`,
      StatusCode: 'InProgress',
    });
    expect(out.Activity?.Cause).toMatch(
      /was taken out of service in response to a user request, shrinking the capacity from 2 to 1\.$/,
    );
    let group = await describe1('g');
    expect(group.DesiredCapacity).toBe(1);
    expect(group.Instances?.find(i => i.InstanceId === a)?.LifecycleState).toBe('Terminating');
    await f.advance(500);
    expect((await describe1('g')).Instances?.map(i => i.InstanceId)).toEqual([b]);
    await f.sdk.autoscaling.send(
      new TerminateInstanceInAutoScalingGroupCommand({
        InstanceId: b,
        ShouldDecrementDesiredCapacity: false,
      }),
    );
    group = await describe1('g');
    expect(group.DesiredCapacity).toBe(1);
    expect(group.Instances?.map(i => i.LifecycleState).sort()).toEqual(['Pending', 'Terminating']);
  });

  it('TerminateInstanceInAutoScalingGroup errors: unknown instance, and the min-size constraint', async () => {
    await createGroup(f, { name: 'g', min: 1, desired: 1 });
    expect(
      await rejection(
        f.sdk.autoscaling.send(
          new TerminateInstanceInAutoScalingGroupCommand({
            InstanceId: 'i-0123456789abcdef0',
            ShouldDecrementDesiredCapacity: true,
          }),
        ),
      ),
    ).toEqual({
      name: 'ValidationError',
      message:
        'Instance Id not found - No managed instance found for instance ID: i-0123456789abcdef0',
      status: 400,
    });
    const id = (await describe1('g')).Instances?.[0]?.InstanceId;
    expect(
      await rejection(
        f.sdk.autoscaling.send(
          new TerminateInstanceInAutoScalingGroupCommand({
            InstanceId: id,
            ShouldDecrementDesiredCapacity: true,
          }),
        ),
      ),
    ).toEqual({
      name: 'ValidationError',
      message:
        "Currently, desiredSize equals minSize (1). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.",
      status: 400,
    });
  });

  it('SetInstanceProtection protects members so scale-in leaves them; unknown members are an error', async () => {
    await createGroup(f, { name: 'g', desired: 2 });
    await f.advance(1000);
    const ids = ((await describe1('g')).Instances ?? []).map(i => i.InstanceId ?? '');
    await f.sdk.autoscaling.send(
      new SetInstanceProtectionCommand({
        AutoScalingGroupName: 'g',
        InstanceIds: ids,
        ProtectedFromScaleIn: true,
      }),
    );
    await f.sdk.autoscaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: 'g', DesiredCapacity: 0 }),
    );
    const group = await describe1('g');
    expect(group.DesiredCapacity).toBe(0);
    expect(group.Instances?.map(i => i.LifecycleState)).toEqual(['InService', 'InService']);
    expect(
      await rejection(
        f.sdk.autoscaling.send(
          new SetInstanceProtectionCommand({
            AutoScalingGroupName: 'g',
            InstanceIds: ['i-0123456789abcdef0'],
            ProtectedFromScaleIn: true,
          }),
        ),
      ),
    ).toEqual({
      name: 'ValidationError',
      message: 'The instance i-0123456789abcdef0 is not part of Auto Scaling group g.',
      status: 400,
    });
    // Removing protection lets the pending scale-in go ahead.
    await f.sdk.autoscaling.send(
      new SetInstanceProtectionCommand({
        AutoScalingGroupName: 'g',
        InstanceIds: ids,
        ProtectedFromScaleIn: false,
      }),
    );
    expect((await describe1('g')).Instances?.map(i => i.LifecycleState)).toEqual([
      'Terminating',
      'Terminating',
    ]);
  });
});
