// Field report B56 on the AWS emulator (real sshd, manual clock) and real Redis: with four busy
// instances and demand falling to three, the scaler never lowers desired capacity to shrink; it
// terminates the one idle instance by name with decrement, AWS's own scale-in policy cannot end
// a protected busy instance, and `taskfleet check` fails a group without scale-in protection.
import {
  CreateAutoScalingGroupCommand,
  ExecutePolicyCommand,
  PutScalingPolicyCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import type { SshConnection } from '@taskfleet/fleeting';
import { checkGroupWith } from '@taskfleet/provider-aws';

import { idleTimeMs, settingsWith, startScalerWorld } from './scaler-harness';
import type { ScalerWorld } from './scaler-harness';
import { createAwsSdkClients } from './support/aws-sdk-clients';
import { callsOf, groupNameOf, openSession } from './support/hook-scenario';
import { linuxImageId } from './support/scenario-names';

jest.setTimeout(120_000);

async function readyIds(world: ScalerWorld): Promise<string[]> {
  const snapshot = await world.registry.snapshot();
  return snapshot.instances.filter(i => i.state === 'ready').map(i => i.instanceId);
}

describe('B56 shrink kills builds', () => {
  let world: ScalerWorld;
  const sessions: SshConnection[] = [];

  beforeEach(async () => {
    world = await startScalerWorld();
  });

  afterEach(async () => {
    await Promise.all(sessions.splice(0).map(s => s.close()));
    await world.cleanup();
  });

  it('shrinks only by terminating the idle instance by name; busy ones survive a scale-in policy', async () => {
    const groupName = await groupNameOf(world);
    const settings = settingsWith({
      capacityPerInstance: 1,
      maxInstanceCount: 4,
      updateIntervalMs: 10_000,
    });
    const scaler = world.scaler('scaler-a', settings);
    world.queued = 4;
    await world.tickUntil(scaler, async () => (await readyIds(world)).length === 4);
    const instances = await readyIds(world);
    const jobs = ['job-0', 'job-1', 'job-2', 'job-3'];
    for (const job of jobs) {
      expect(await world.registry.claimSlot(job)).toBeDefined();
    }
    world.queued = 0;
    for (const id of instances) {
      sessions.push(await openSession(world, id));
    }

    // One build ends: demand falls to three slots.
    const idleId = (await world.registry.releaseSlot('job-3')) as { instanceId: string };
    await world.tickUntil(scaler, async () => (await world.group()).members.length === 3, {
      stepMs: idleTimeMs / 4,
    });

    const desiredSent = callsOf(world, 'SetDesiredCapacity').map(c =>
      Number(c.params.DesiredCapacity),
    );
    expect(desiredSent.length).toBeGreaterThan(0);
    // Never a decrease: each value sent is at least the one before.
    expect(desiredSent).toEqual([...desiredSent].sort((a, b) => a - b));
    const terminations = callsOf(world, 'TerminateInstanceInAutoScalingGroup');
    expect(
      terminations.map(c => [c.params.InstanceId, c.params.ShouldDecrementDesiredCapacity]),
    ).toEqual([[idleId.instanceId, 'true']]);
    const busy = instances.filter(id => id !== idleId.instanceId);
    expect((await world.group()).members.map(m => m.id).sort()).toEqual([...busy].sort());

    // AWS's own scale-in policy fires: desired capacity drops, every busy instance stays.
    const clients = createAwsSdkClients(world.emulator.endpoint);
    try {
      await clients.autoScaling.send(
        new PutScalingPolicyCommand({
          AutoScalingGroupName: groupName,
          PolicyName: 'scale-in-on-low-cpu',
          AdjustmentType: 'ChangeInCapacity',
          ScalingAdjustment: -2,
        }),
      );
      await clients.autoScaling.send(
        new ExecutePolicyCommand({
          AutoScalingGroupName: groupName,
          PolicyName: 'scale-in-on-low-cpu',
        }),
      );
      await world.tickUntil(scaler, () => true, { stepMs: 5_000, maxTicks: 1 });
      const after = await world.group();
      expect(after.desired).toBe(1);
      expect(after.members.map(m => [m.id, m.lifecycleState]).sort()).toEqual(
        busy.map(id => [id, 'InService']).sort(),
      );
      for (const [index, session] of sessions.entries()) {
        if (instances[index] === idleId.instanceId) {
          continue;
        }
        expect((await session.run({ command: 'echo build-still-running' })).exitCode).toBe(0);
      }
      // The scaler sent no decrease in answer to the drift either.
      const sentAfter = callsOf(world, 'SetDesiredCapacity').map(c =>
        Number(c.params.DesiredCapacity),
      );
      expect(sentAfter).toEqual(desiredSent);

      // The start-up check fails this group for its policy, and a group without protection too.
      expect(
        (await checkGroupWith(clients.autoScaling, groupName, 4)).problems.map(p => p.code),
      ).toContain('has_scaling_policies');
      await clients.ec2.send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: `${groupName}-unprotected`,
          LaunchTemplateData: { ImageId: linuxImageId, InstanceType: 't3.micro' },
        }),
      );
      await clients.autoScaling.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: `${groupName}-unprotected`,
          LaunchTemplate: { LaunchTemplateName: `${groupName}-unprotected`, Version: '$Latest' },
          MinSize: 0,
          MaxSize: 4,
          AvailabilityZones: ['us-east-1a'],
        }),
      );
      const unprotected = await checkGroupWith(clients.autoScaling, `${groupName}-unprotected`, 4);
      expect(unprotected.problems.map(p => p.code)).toContain('not_protected_from_scale_in');
    } finally {
      clients.destroy();
    }
  });
});
