// An instance launched through SetDesiredCapacity is a real sshd: an Instance Connect key lets
// a client in for 60 seconds of emulator time and no longer, and terminating the instance drops
// the session. The emulator runs on a manual clock, so the 60 s pass without real waiting.
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';

import {
  CreateAutoScalingGroupCommand,
  SetDesiredCapacityCommand,
  TerminateInstanceInAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { SendSSHPublicKeyCommand } from '@aws-sdk/client-ec2-instance-connect';
import {
  PUSHED_KEY_LIFETIME_MS,
  createManualClock,
  createSshdInstanceHost,
  startAwsEmulator,
} from '@taskfleet/emulator-aws';
import type { AwsEmulator, InstanceHost, ManualClock } from '@taskfleet/emulator-aws';
import { Client } from 'ssh2';

import { createAwsSdkClients } from './support/aws-sdk-clients';
import type { AwsSdkClients } from './support/aws-sdk-clients';
import { waitForInService } from './support/wait-for-lifecycle-state';
import { ed25519TestKey } from './support/ssh-key';

const groupName = 'instance-connect-runners';
const bootDelayMs = 30_000;

interface Target {
  readonly host: string;
  readonly port: number;
  readonly username: string;
}

/** Logs in with a private key; rejects with ssh2's error when the server refuses. */
async function login(target: Target, privateKey: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once('ready', () => {
      resolve(client);
    });
    client.on('error', error => {
      client.end();
      reject(error);
    });
    client.connect({ ...target, privateKey, readyTimeout: 10_000 });
  });
}

/** Runs a command and resolves with its stdout once the channel closes. */
async function run(client: Client, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, channel) => {
      if (error) {
        reject(error);
        return;
      }
      let output = '';
      channel.on('data', (chunk: Buffer) => (output += chunk.toString()));
      channel.on('close', () => {
        resolve(output);
      });
    });
  });
}

/** Resolves once the client's connection closes, for whatever reason. */
async function closed(client: Client): Promise<void> {
  return new Promise(resolve => {
    client.once('close', () => {
      resolve();
    });
  });
}

/** Advances the manual clock in steps until the group has one InService instance. */
async function bootOne(clients: AwsSdkClients, clock: ManualClock): Promise<string> {
  await clients.autoScaling.send(
    new SetDesiredCapacityCommand({ AutoScalingGroupName: groupName, DesiredCapacity: 1 }),
  );
  clock.advance(bootDelayMs);
  const [instanceId] = await waitForInService(clients.autoScaling, groupName, 1);

  return instanceId!;
}

describe('EC2 Instance Connect on an emulated instance', () => {
  let stateRoot: string;
  let host: InstanceHost;
  let clock: ManualClock;
  let emulator: AwsEmulator;
  let clients: AwsSdkClients;
  const sessions: Client[] = [];

  beforeEach(async () => {
    stateRoot = await mkdtemp(join('/var/tmp', 'taskfleet-eic-'));
    host = createSshdInstanceHost({ stateRoot });
    clock = createManualClock();
    emulator = await startAwsEmulator({
      clock,
      instanceHost: host,
      defaultBootDelayMs: bootDelayMs,
    });
    clients = createAwsSdkClients(emulator.endpoint);
    await clients.ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: 'runner',
        LaunchTemplateData: { ImageId: 'ami-0123456789abcdef0', InstanceType: 't3.micro' },
      }),
    );
    await clients.autoScaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: groupName,
        LaunchTemplate: { LaunchTemplateName: 'runner', Version: '$Latest' },
        MinSize: 0,
        MaxSize: 2,
        DesiredCapacity: 0,
        AvailabilityZones: ['us-east-1a'],
        NewInstancesProtectedFromScaleIn: true,
      }),
    );
  });

  afterEach(async () => {
    for (const session of sessions.splice(0)) {
      session.end();
    }
    clients.destroy();
    await emulator.close();
    await host.close();
    await rm(stateRoot, { recursive: true, force: true });
  });

  it('accepts the pushed key for 60 s, refuses it after, and keeps open sessions', async () => {
    const instanceId = await bootOne(clients, clock);
    const described = await clients.ec2.send(
      new DescribeInstancesCommand({ InstanceIds: [instanceId] }),
    );
    const instance = described.Reservations?.[0]?.Instances?.[0];
    const target = { host: instance!.PrivateIpAddress!, port: 22, username: 'ec2-user' };
    const key = ed25519TestKey();

    // Before any key is pushed, nothing gets in.
    await expect(login(target, key.private)).rejects.toMatchObject({
      level: 'client-authentication',
    });

    const pushed = await clients.instanceConnect.send(
      new SendSSHPublicKeyCommand({
        InstanceId: instanceId,
        InstanceOSUser: 'ec2-user',
        SSHPublicKey: key.public,
        AvailabilityZone: instance!.Placement?.AvailabilityZone,
      }),
    );
    expect(pushed.Success).toBe(true);

    const early = await login(target, key.private);
    sessions.push(early);
    expect((await run(early, 'id -un; id -u')).split('\n').slice(0, 2)).toEqual([
      'ec2-user',
      expect.not.stringMatching(/^0$/),
    ]);

    clock.advance(PUSHED_KEY_LIFETIME_MS - 1_000);
    const late = await login(target, key.private);
    sessions.push(late);

    clock.advance(2_000);
    await expect(login(target, key.private)).rejects.toMatchObject({
      level: 'client-authentication',
    });
    // An open session outlives the key, as on EC2.
    expect(await run(early, 'echo still-here')).toBe('still-here\n');
  });

  it('drops an open session when the instance is terminated', async () => {
    const instanceId = await bootOne(clients, clock);
    const described = await clients.ec2.send(
      new DescribeInstancesCommand({ InstanceIds: [instanceId] }),
    );
    const instance = described.Reservations?.[0]?.Instances?.[0];
    const key = ed25519TestKey();
    await clients.instanceConnect.send(
      new SendSSHPublicKeyCommand({
        InstanceId: instanceId,
        InstanceOSUser: 'ec2-user',
        SSHPublicKey: key.public,
      }),
    );
    const session = await login(
      { host: instance!.PrivateIpAddress!, port: 22, username: 'ec2-user' },
      key.private,
    );
    sessions.push(session);
    const sessionClosed = closed(session);

    await clients.autoScaling.send(
      new TerminateInstanceInAutoScalingGroupCommand({
        InstanceId: instanceId,
        ShouldDecrementDesiredCapacity: true,
      }),
    );
    clock.advance(60_000);

    await expect(sessionClosed).resolves.toBeUndefined();
  });
});
