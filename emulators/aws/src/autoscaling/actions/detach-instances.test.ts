import {
  DescribeScalingActivitiesCommand,
  DetachInstancesCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';

import { createGroup, startFixture } from '../../testing/emulator-fixture';
import type { EmulatorFixture } from '../../testing/emulator-fixture';
import { describeGroup, rejection } from '../../testing/sdk-assertions';

describe('DetachInstances through the real SDK', () => {
  let f: EmulatorFixture;
  beforeEach(async () => {
    f = await startFixture();
  });
  afterEach(async () => {
    await f.close();
  });

  async function tagsOf(id: string): Promise<Record<string, string>> {
    const out = await f.sdk.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    const instance = out.Reservations?.[0]?.Instances?.[0];
    return Object.fromEntries((instance?.Tags ?? []).map(t => [t.Key ?? '', t.Value ?? '']));
  }

  it('takes a member out of the group, still running and without the group tag', async () => {
    await createGroup(f, { name: 'g', desired: 2, protect: true });
    await f.advance(1000);
    const [a = '', b = ''] = ((await describeGroup(f, 'g')).Instances ?? []).map(
      i => i.InstanceId ?? '',
    );
    expect((await tagsOf(a))['aws:autoscaling:groupName']).toBe('g');
    const out = await f.sdk.autoscaling.send(
      new DetachInstancesCommand({
        AutoScalingGroupName: 'g',
        InstanceIds: [a],
        ShouldDecrementDesiredCapacity: true,
      }),
    );
    expect(out.Activities).toEqual([
      expect.objectContaining({
        AutoScalingGroupName: 'g',
        Description: `Detaching EC2 instance: ${a}`,
        StatusCode: 'InProgress',
        Progress: 50,
      }),
    ]);
    expect(out.Activities?.[0]?.Cause).toMatch(
      new RegExp(
        `instance ${a} was detached in response to a user request, shrinking the capacity from 2 to 1\\.$`,
      ),
    );
    const group = await describeGroup(f, 'g');
    expect(group.DesiredCapacity).toBe(1);
    expect(group.Instances?.map(i => i.InstanceId)).toEqual([b]);
    const tags = await tagsOf(a);
    expect(tags['aws:autoscaling:groupName']).toBeUndefined();
    expect(tags['aws:ec2launchtemplate:id']).toBeDefined();
    const state = await f.sdk.ec2.send(new DescribeInstancesCommand({ InstanceIds: [a] }));
    expect(state.Reservations?.[0]?.Instances?.[0]?.State?.Name).toBe('running');
    const activities = await f.sdk.autoscaling.send(
      new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'g' }),
    );
    expect(
      activities.Activities?.find(x => x.Description === `Detaching EC2 instance: ${a}`)
        ?.StatusCode,
    ).toBe('Successful');
    // Terminated afterwards, the detached instance concerns the group no more: no replacement.
    await f.sdk.ec2.send(new TerminateInstancesCommand({ InstanceIds: [a] }));
    await f.advance(1000);
    expect((await describeGroup(f, 'g')).Instances?.map(i => i.InstanceId)).toEqual([b]);
  });

  it('launches a replacement without decrement', async () => {
    await createGroup(f, { name: 'g', desired: 1 });
    await f.advance(1000);
    const [a = ''] = ((await describeGroup(f, 'g')).Instances ?? []).map(i => i.InstanceId ?? '');
    await f.sdk.autoscaling.send(
      new DetachInstancesCommand({
        AutoScalingGroupName: 'g',
        InstanceIds: [a],
        ShouldDecrementDesiredCapacity: false,
      }),
    );
    const group = await describeGroup(f, 'g');
    expect(group.DesiredCapacity).toBe(1);
    expect(group.Instances).toHaveLength(1);
    expect(group.Instances?.[0]?.InstanceId).not.toBe(a);
    expect(group.Instances?.[0]?.LifecycleState).toBe('Pending');
  });

  it('refuses a non-member, a member not in service, and a detach below the min size', async () => {
    await createGroup(f, { name: 'g', min: 1, desired: 1 });
    const [pending = ''] = ((await describeGroup(f, 'g')).Instances ?? []).map(
      i => i.InstanceId ?? '',
    );
    const detach = (ids: string[], decrement: boolean) =>
      rejection(
        f.sdk.autoscaling.send(
          new DetachInstancesCommand({
            AutoScalingGroupName: 'g',
            InstanceIds: ids,
            ShouldDecrementDesiredCapacity: decrement,
          }),
        ),
      );
    expect(await detach(['i-0123456789abcdef0'], false)).toEqual({
      name: 'ValidationError',
      message: 'The instance i-0123456789abcdef0 is not part of Auto Scaling group g.',
      status: 400,
    });
    expect((await detach([pending], false)).message).toBe(
      `The instance ${pending} is not in InService or Standby.`,
    );
    await f.advance(1000);
    expect((await detach([pending], true)).message).toMatch(/violate group's min size constraint/);
    expect((await describeGroup(f, 'g')).Instances?.map(i => i.InstanceId)).toEqual([pending]);
  });
});
