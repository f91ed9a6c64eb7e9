import {
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
  PutLifecycleHookCommand,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { SendSSHPublicKeyCommand } from '@aws-sdk/client-ec2-instance-connect';

import { startAwsEmulator } from '../emulator';
import { createGroup, startFixture } from '../testing/emulator-fixture';
import type { EmulatorFixture } from '../testing/emulator-fixture';

const rejection = async (
  promise: Promise<unknown>,
): Promise<{ name: string; status: number | undefined }> => {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
};

describe('admin API faults', () => {
  let f: EmulatorFixture;
  beforeEach(async () => {
    f = await startFixture();
  });
  afterEach(async () => {
    await f.close();
  });

  const group = async (name = 'g'): Promise<AutoScalingGroup> => {
    const out = await f.sdk.autoscaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }),
    );
    return out.AutoScalingGroups?.[0] ?? ({} as AutoScalingGroup);
  };
  const describeGroups = (): Promise<unknown> =>
    f.sdk.autoscaling.send(new DescribeAutoScalingGroupsCommand({}));

  it('throttles an Auto Scaling action for N calls with Throttling (400), counted in the call log', async () => {
    await f.admin('POST', '/faults/throttle', { action: 'DescribeAutoScalingGroups', calls: 2 });
    expect(await rejection(describeGroups())).toEqual({ name: 'Throttling', status: 400 });
    expect(await rejection(describeGroups())).toEqual({ name: 'Throttling', status: 400 });
    await describeGroups();
    const log = (await f.admin('GET', '/calls?action=DescribeAutoScalingGroups')) as {
      counts: Record<string, number>;
      calls: { errorCode?: string; httpStatus: number }[];
    };
    expect(log.counts.DescribeAutoScalingGroups).toBe(3);
    expect(log.calls.map(c => c.errorCode ?? c.httpStatus)).toEqual([
      'Throttling',
      'Throttling',
      200,
    ]);
  });

  it('throttles every EC2 action for a time window with RequestLimitExceeded (503)', async () => {
    await f.admin('POST', '/faults/throttle', { action: '*', service: 'ec2', durationMs: 5000 });
    expect(await rejection(f.sdk.ec2.send(new DescribeInstancesCommand({})))).toEqual({
      name: 'RequestLimitExceeded',
      status: 503,
    });
    await describeGroups();
    await f.advance(5000);
    await f.sdk.ec2.send(new DescribeInstancesCommand({}));
  });

  it('throttles SendSSHPublicKey with ThrottlingException (400)', async () => {
    await f.admin('POST', '/faults/throttle', { action: 'SendSSHPublicKey', calls: 1 });
    const send = f.sdk.instanceConnect.send(
      new SendSSHPublicKeyCommand({
        InstanceId: 'i-0123456789abcdef0',
        InstanceOSUser: 'ec2-user',
        SSHPublicKey: 'x'.repeat(90),
      }),
    );
    expect(await rejection(send)).toEqual({ name: 'ThrottlingException', status: 400 });
  });

  it('injects ResourceContention (500) on SetDesiredCapacity, which changes nothing', async () => {
    await createGroup(f, { name: 'g' });
    await f.admin('POST', '/faults/error', {
      action: 'SetDesiredCapacity',
      code: 'ResourceContention',
      calls: 1,
    });
    const set = (): Promise<unknown> =>
      f.sdk.autoscaling.send(
        new SetDesiredCapacityCommand({ AutoScalingGroupName: 'g', DesiredCapacity: 1 }),
      );
    expect(await rejection(set())).toEqual({ name: 'ResourceContentionFault', status: 500 });
    expect((await group()).DesiredCapacity).toBe(0);
    await set();
    expect((await group()).DesiredCapacity).toBe(1);
  });

  it('fails launches with InsufficientInstanceCapacity for a window as Failed activities, then retries', async () => {
    await createGroup(f, { name: 'g' });
    await f.admin('POST', '/faults/insufficient-capacity', { durationMs: 15_000 });
    await f.sdk.autoscaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: 'g', DesiredCapacity: 1 }),
    );
    expect((await group()).Instances).toEqual([]);
    const activities = await f.sdk.autoscaling.send(
      new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'g' }),
    );
    expect(activities.Activities?.[0]).toMatchObject({ StatusCode: 'Failed', Progress: 100 });
    expect(activities.Activities?.[0]?.StatusMessage).toMatch(
      /^We currently do not have sufficient t3.micro capacity in the Availability Zone you requested \(us-east-1a\)/,
    );
    await f.advance(10_000);
    expect((await group()).Instances).toEqual([]);
    await f.advance(10_000);
    expect((await group()).Instances?.map(i => i.LifecycleState)).toEqual(['Pending']);
  });

  it('sets a boot delay with jitter and the never-answers boot mode per group', async () => {
    await f.admin('PUT', '/groups/g/boot', {
      bootDelayMs: 5000,
      bootJitterMs: 1000,
      bootMode: 'never-answers',
    });
    await createGroup(f, { name: 'g', desired: 3 });
    await f.advance(4999);
    expect((await group()).Instances?.map(i => i.LifecycleState)).toEqual([
      'Pending',
      'Pending',
      'Pending',
    ]);
    await f.advance(1000);
    expect((await group()).Instances?.map(i => i.LifecycleState)).toEqual([
      'InService',
      'InService',
      'InService',
    ]);
    expect([...f.host.launched.values()].map(r => r.spec.bootMode)).toEqual([
      'never-answers',
      'never-answers',
      'never-answers',
    ]);
  });

  it('pauses, resumes and kills the sshd of an instance through the host', async () => {
    await createGroup(f, { name: 'g', desired: 1 });
    await f.advance(1000);
    const id = (await group()).Instances?.[0]?.InstanceId ?? '';
    const record = f.host.launched.get(id);
    await f.admin('POST', `/instances/${id}/pause`);
    expect(record?.paused).toBe(true);
    await f.admin('POST', `/instances/${id}/resume`);
    expect(record?.paused).toBe(false);
    await f.admin('POST', `/instances/${id}/kill-sshd`);
    expect(record?.sshdKilled).toBe(true);
    await expect(f.admin('POST', '/instances/i-0123456789abcdef0/pause')).rejects.toThrow(/404/);
  });

  it('terminates an instance from outside as a spot reclaim; the group notices and replaces it', async () => {
    await createGroup(f, { name: 'g', desired: 1, protect: true });
    await f.advance(1000);
    const id = (await group()).Instances?.[0]?.InstanceId ?? '';
    await f.admin('POST', `/instances/${id}/terminate`, { reason: 'spot' });
    const after = await group();
    expect(after.DesiredCapacity).toBe(1);
    expect(after.Instances?.find(i => i.InstanceId === id)).toMatchObject({
      LifecycleState: 'Terminating',
      HealthStatus: 'Unhealthy',
    });
    expect(after.Instances?.filter(i => i.LifecycleState === 'Pending')).toHaveLength(1);
    const ec2 = await f.sdk.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    expect(ec2.Reservations?.[0]?.Instances?.[0]?.StateReason?.Code).toBe(
      'Server.SpotInstanceTermination',
    );
  });

  it('instance refresh: Terminating:Wait with a termination hook, else Terminating', async () => {
    await createGroup(f, { name: 'g', desired: 1 });
    await createGroup(f, { name: 'h', desired: 1 });
    await f.sdk.autoscaling.send(
      new PutLifecycleHookCommand({
        AutoScalingGroupName: 'g',
        LifecycleHookName: 'drain',
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
      }),
    );
    await f.advance(1000);
    const refreshed = (await f.admin('POST', '/groups/g/instance-refresh')) as {
      instanceIds: string[];
    };
    expect(refreshed.instanceIds).toHaveLength(1);
    expect((await group('g')).Instances?.map(i => i.LifecycleState).sort()).toEqual([
      'Pending',
      'Terminating:Wait',
    ]);
    await f.admin('POST', '/groups/h/instance-refresh');
    expect((await group('h')).Instances?.map(i => i.LifecycleState).sort()).toEqual([
      'Pending',
      'Terminating',
    ]);
  });

  it('instance refresh of chosen members, replacing each only once it is gone', async () => {
    await createGroup(f, { name: 'g', desired: 2 });
    await f.sdk.autoscaling.send(
      new PutLifecycleHookCommand({
        AutoScalingGroupName: 'g',
        LifecycleHookName: 'drain',
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
      }),
    );
    await f.advance(1000);
    const [first = '', second = ''] = ((await group('g')).Instances ?? []).map(
      i => i.InstanceId ?? '',
    );
    const refreshed = (await f.admin('POST', '/groups/g/instance-refresh', {
      instanceIds: [first],
      replacement: 'after-termination',
    })) as { instanceIds: string[] };
    expect(refreshed.instanceIds).toEqual([first]);
    const states = async (): Promise<string[]> =>
      ((await group('g')).Instances ?? []).map(
        i => `${i.InstanceId ?? ''} ${i.LifecycleState ?? ''}`,
      );
    expect((await states()).sort()).toEqual([`${first} Terminating:Wait`, `${second} InService`]);
    expect((await group('g')).DesiredCapacity).toBe(2);
    await f.sdk.autoscaling.send(
      new CompleteLifecycleActionCommand({
        AutoScalingGroupName: 'g',
        LifecycleHookName: 'drain',
        InstanceId: first,
        LifecycleActionResult: 'CONTINUE',
      }),
    );
    await f.advance(1000);
    const after = (await group('g')).Instances ?? [];
    expect(after.map(i => i.InstanceId)).not.toContain(first);
    expect(after).toHaveLength(2);
  });

  it('leaves an instance out of exactly one DescribeInstances call', async () => {
    await createGroup(f, { name: 'g', desired: 2 });
    const ids = ((await group()).Instances ?? []).map(i => i.InstanceId ?? '');
    await f.admin('POST', `/instances/${ids[0] ?? ''}/hide-once`);
    const count = async (): Promise<number> =>
      ((await f.sdk.ec2.send(new DescribeInstancesCommand({}))).Reservations ?? []).length;
    expect(await count()).toBe(1);
    expect(await count()).toBe(2);
    await f.admin('POST', `/instances/${ids[0] ?? ''}/hide-once`);
    expect(
      await rejection(
        f.sdk.ec2.send(new DescribeInstancesCommand({ InstanceIds: [ids[0] ?? ''] })),
      ),
    ).toEqual({
      name: 'InvalidInstanceID.NotFound',
      status: 400,
    });
  });

  it('reads the full state and advances the manual clock', async () => {
    await createGroup(f, { name: 'g', desired: 1 });
    let state = (await f.admin('GET', '/state')) as {
      groups: { members: { lifecycleState: string }[] }[];
      nowMs: number;
    };
    expect(state.groups[0]?.members.map(m => m.lifecycleState)).toEqual(['Pending']);
    const start = state.nowMs;
    await f.admin('POST', '/clock/advance', { ms: 1000 });
    state = (await f.admin('GET', '/state')) as typeof state;
    expect(state.nowMs).toBe(start + 1000);
    expect(state.groups[0]?.members.map(m => m.lifecycleState)).toEqual(['InService']);
    await expect(f.admin('POST', '/faults/throttle', { action: 'X' })).rejects.toThrow(/400/);
  });

  it('refuses to move a real clock', async () => {
    const emulator = await startAwsEmulator();
    try {
      const response = await fetch(`${emulator.adminEndpoint}/clock/advance`, {
        method: 'POST',
        body: JSON.stringify({ ms: 1 }),
      });
      expect(response.status).toBe(409);
      expect(await response.json()).toMatchObject({ error: 'clock-not-manual' });
    } finally {
      await emulator.close();
    }
  });
});
