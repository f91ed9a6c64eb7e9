// connectInfo and heartbeat against the in-process AWS emulator (instances without processes):
// what is described, what is pushed to EC2 Instance Connect, and how failures are told apart.
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  SuspendProcessesCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, EC2Client } from '@aws-sdk/client-ec2';
import { createManualClock, startAwsEmulator } from '@taskfleet/emulator-aws';
import type { AwsEmulator, ManualClock } from '@taskfleet/emulator-aws';

import { AwsInstanceGroup } from './instance-group';
import type { AwsProviderSettings } from './settings';
import { generateSshKeyPair } from './ssh-key';

const bootDelayMs = 5_000;
const name = 'connect-group';

describe('connectInfo and heartbeat on the AWS emulator', () => {
  let emulator: AwsEmulator;
  let clock: ManualClock;
  let groups: AwsInstanceGroup[];

  beforeEach(async () => {
    clock = createManualClock();
    emulator = await startAwsEmulator({ clock, defaultBootDelayMs: bootDelayMs });
    const config = {
      endpoint: emulator.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'admin', secretAccessKey: 'admin' },
      maxAttempts: 1,
    };
    const autoScaling = new AutoScalingClient(config);
    const ec2 = new EC2Client(config);
    await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: 'connect-runner',
        LaunchTemplateData: { ImageId: 'ami-0123456789abcdef0', InstanceType: 't3.micro' },
      }),
    );
    await autoScaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: name,
        LaunchTemplate: { LaunchTemplateName: 'connect-runner', Version: '$Latest' },
        MinSize: 0,
        MaxSize: 2,
        DesiredCapacity: 0,
        AvailabilityZones: ['us-east-1a'],
        NewInstancesProtectedFromScaleIn: true,
      }),
    );
    await autoScaling.send(
      new SuspendProcessesCommand({
        AutoScalingGroupName: name,
        ScalingProcesses: ['AZRebalance'],
      }),
    );
    autoScaling.destroy();
    ec2.destroy();
    groups = [];
  });

  afterEach(async () => {
    for (const group of groups) {
      await group.shutdown();
    }
    await emulator.close();
  });

  function providerFor(extra: Partial<AwsProviderSettings> = {}): AwsInstanceGroup {
    const group = new AwsInstanceGroup({
      name,
      region: 'us-east-1',
      endpoint: emulator.endpoint,
      now: () => 1_000_000,
      clientOverrides: { maxAttempts: 1, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } },
      ...extra,
    });
    groups.push(group);
    return group;
  }

  /** Moves emulator time past the boot delay and polls (bounded) until `count` are running. */
  async function runningIds(group: AwsInstanceGroup, count: number): Promise<string[]> {
    clock.advance(bootDelayMs);
    for (let round = 0; round < 50; round += 1) {
      const members = await group.update();
      if (members.length === count && members.every(member => member.state === 'running')) {
        return members.map(member => member.id);
      }
      await new Promise(resolve => setTimeout(resolve, 20));
    }
    throw new Error(`${count} instances did not reach running`);
  }

  it('pushes a fresh ed25519 key and returns it with addresses and a 60 s expiry', async () => {
    const group = providerFor();
    await group.init();
    await group.increase(1);
    const [id = ''] = await runningIds(group, 1);

    const info = await group.connectInfo(id);

    expect(info).toMatchObject({
      id,
      os: 'linux',
      arch: 'amd64',
      protocol: 'ssh',
      protocolPort: 22,
      username: 'ec2-user',
      expiresAtMs: 1_060_000,
    });
    expect(info.internalAddr).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(info.key?.toString()).toContain('OPENSSH PRIVATE KEY');
    const [push] = emulator.state.calls('SendSSHPublicKey');
    expect(push?.params).toMatchObject({
      InstanceId: id,
      InstanceOSUser: 'ec2-user',
      SSHPublicKey: expect.stringMatching(/^ssh-ed25519 /),
      AvailabilityZone: 'us-east-1a',
    });
  });

  it('pushes the public half of a configured key, and nothing with static credentials', async () => {
    const pair = generateSshKeyPair();
    const pushing = providerFor({ connector: { key: pair.privateKey, username: 'runner' } });
    const fixed = providerFor({
      connector: { key: pair.privateKey, useStaticCredentials: true },
    });
    await pushing.init();
    await fixed.init();
    await pushing.increase(1);
    const [id = ''] = await runningIds(pushing, 1);

    const pushed = await pushing.connectInfo(id);
    const statics = await fixed.connectInfo(id);

    expect(pushed.key).toBe(pair.privateKey);
    expect(pushed.username).toBe('runner');
    expect(statics.key).toBe(pair.privateKey);
    expect(statics.expiresAtMs).toBeUndefined();
    const pushes = emulator.state.calls('SendSSHPublicKey');
    expect(pushes.map(call => call.params.SSHPublicKey)).toEqual([pair.publicKey]);
  });

  it('tells unknown and not-yet-running instances apart in connectInfo and heartbeat', async () => {
    const group = providerFor();
    await group.init();
    await group.increase(1);
    const [pending] = await group.update();

    await expect(group.connectInfo('i-0fffffffffffffffe')).rejects.toMatchObject({
      code: 'instance_not_found',
    });
    await expect(group.heartbeat('i-0fffffffffffffffe')).rejects.toMatchObject({
      code: 'instance_not_found',
    });
    await expect(group.connectInfo(pending!.id)).rejects.toMatchObject({
      code: 'instance_unhealthy',
    });
    await expect(group.heartbeat(pending!.id)).rejects.toMatchObject({
      code: 'instance_unhealthy',
    });
    const [running = ''] = await runningIds(group, 1);
    await expect(group.heartbeat(running)).resolves.toBeUndefined();
  });

  it.each(['', 'i-', 'bogus', 'i-0123456789abcdef0 '])(
    'refuses the malformed id %j instead of describing every instance',
    async id => {
      const group = providerFor();
      await group.init();
      await group.increase(1);
      await runningIds(group, 1);

      await expect(group.connectInfo(id)).rejects.toMatchObject({ code: 'invalid_argument' });
      await expect(group.heartbeat(id)).rejects.toMatchObject({ code: 'invalid_argument' });
    },
  );

  it('treats an instance of another group as not found, and never touches it', async () => {
    const other = new AwsInstanceGroup({
      name: 'other-group',
      region: 'us-east-1',
      endpoint: emulator.endpoint,
      clientOverrides: { maxAttempts: 1, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } },
    });
    groups.push(other);
    const autoScaling = new AutoScalingClient({
      endpoint: emulator.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    await autoScaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'other-group',
        LaunchTemplate: { LaunchTemplateName: 'connect-runner', Version: '$Latest' },
        MinSize: 0,
        MaxSize: 1,
        DesiredCapacity: 1,
        AvailabilityZones: ['us-east-1a'],
      }),
    );
    autoScaling.destroy();
    await other.init();
    const [foreign = ''] = await runningIds(other, 1);
    const group = providerFor();
    await group.init();

    await expect(group.connectInfo(foreign)).rejects.toMatchObject({ code: 'instance_not_found' });
    await expect(group.heartbeat(foreign)).rejects.toMatchObject({ code: 'instance_not_found' });
    const result = await group.decrease([foreign]);

    expect(result.failed.map(failure => failure.error.code)).toEqual(['instance_not_found']);
    expect(emulator.state.calls('SendSSHPublicKey')).toEqual([]);
    expect(emulator.state.calls('TerminateInstanceInAutoScalingGroup')).toEqual([]);
    expect(await other.update()).toEqual([
      expect.objectContaining({ id: foreign, state: 'running' }),
    ]);
  });
});
