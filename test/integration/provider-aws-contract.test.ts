// Fleeting's contract suite against the AWS provider, twice: on the AWS emulator, where every
// instance is a real sshd and connect info must log in over SSH, and on moto_server, whose
// instances are records only. Both groups are set up as fleeting-plugin-aws's README asks: min 0,
// desired 0, scale-in protection on, AZRebalance suspended.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';

import {
  CreateAutoScalingGroupCommand,
  DeleteAutoScalingGroupCommand,
  DetachInstancesCommand,
  SuspendProcessesCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import {
  createManualClock,
  createSshdInstanceHost,
  startAwsEmulator,
} from '@taskfleet/emulator-aws';
import type { AwsEmulator, InstanceHost, ManualClock } from '@taskfleet/emulator-aws';
import { dial } from '@taskfleet/fleeting';
import type { ConnectInfo } from '@taskfleet/fleeting';
import { defineInstanceGroupContract } from '@taskfleet/fleeting/testing';
import type { ContractSubject } from '@taskfleet/fleeting/testing';
import { AwsInstanceGroup, OWNER_TAG_KEYS } from '@taskfleet/provider-aws';

import { createAwsSdkClients } from './support/aws-sdk-clients';
import type { AwsSdkClients } from './support/aws-sdk-clients';
import { checkMotoAvailable, startMotoServer } from './support/moto-server';
import type { MotoServer } from './support/moto-server';
import { linuxImageId } from './support/scenario-names';

const groupMaxSize = 2;
const bootDelayMs = 1_000;
// Real time an sshd needs to come up after the emulator's boot delay has passed on its clock.
const sshdPollMs = 50;
// The pool's launch tags, so the provider can tell its strays (detached members) from strangers.
const ownerTags = { clusterId: 'contract-cluster', pool: 'contract-pool' };

/** Creates a launch template and a README-conformant group; returns the group's name. */
async function createGroup(clients: AwsSdkClients): Promise<string> {
  const suffix = randomBytes(4).toString('hex');
  const template = `contract-template-${suffix}`;
  const name = `contract-group-${suffix}`;
  await clients.ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: template,
      LaunchTemplateData: {
        ImageId: linuxImageId,
        InstanceType: 't3.micro',
        TagSpecifications: [
          {
            ResourceType: 'instance',
            Tags: [
              { Key: OWNER_TAG_KEYS.clusterId, Value: ownerTags.clusterId },
              { Key: OWNER_TAG_KEYS.pool, Value: `${ownerTags.pool}-${suffix}` },
            ],
          },
        ],
      },
    }),
  );
  await clients.autoScaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: name,
      LaunchTemplate: { LaunchTemplateName: template, Version: '$Latest' },
      MinSize: 0,
      MaxSize: groupMaxSize,
      DesiredCapacity: 0,
      AvailabilityZones: ['us-east-1a'],
      NewInstancesProtectedFromScaleIn: true,
    }),
  );
  await clients.autoScaling.send(
    new SuspendProcessesCommand({ AutoScalingGroupName: name, ScalingProcesses: ['AZRebalance'] }),
  );
  return name;
}

function providerFor(name: string, endpoint: string): AwsInstanceGroup {
  return new AwsInstanceGroup({
    name,
    region: 'us-east-1',
    endpoint,
    ownerTags: { ...ownerTags, pool: `${ownerTags.pool}-${name.replace('contract-group-', '')}` },
    clientOverrides: {
      maxAttempts: 1,
      credentials: { accessKeyId: 'contract', secretAccessKey: 'contract' },
    },
  });
}

/** Logs in with the info over SSH as the fleeting connector does, and checks the user. */
async function logsIn(info: ConnectInfo): Promise<void> {
  const connection = await dial(info, { connectTimeoutMs: 20_000 });
  try {
    let output = '';
    const result = await connection.run({
      command: 'id -un',
      onStdout: chunk => {
        output += chunk.toString();
      },
    });
    expect(result.exitCode).toBe(0);
    expect(output.trim()).toBe(info.username);
  } finally {
    await connection.close();
  }
}

describe('provider-aws on the AWS emulator with sshd instances', () => {
  defineInstanceGroupContract(
    'aws emulator',
    async (): Promise<ContractSubject> => {
      const stateRoot = await mkdtemp(join('/var/tmp', 'taskfleet-provider-aws-'));
      const host: InstanceHost = createSshdInstanceHost({ stateRoot });
      const clock: ManualClock = createManualClock();
      const emulator: AwsEmulator = await startAwsEmulator({
        clock,
        instanceHost: host,
        defaultBootDelayMs: bootDelayMs,
      });
      const clients = createAwsSdkClients(emulator.endpoint);
      const name = await createGroup(clients);
      const provider = providerFor(name, emulator.endpoint);
      return {
        provider,
        groupMaxSize,
        advance: async () => {
          clock.advance(bootDelayMs);
          await new Promise(resolve => setTimeout(resolve, sshdPollMs));
        },
        removeExternally: async id => {
          const response = await fetch(`${emulator.adminEndpoint}/instances/${id}/terminate`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{}',
          });
          expect(response.ok).toBe(true);
        },
        detachExternally: async id => {
          await clients.autoScaling.send(
            new DetachInstancesCommand({
              AutoScalingGroupName: name,
              InstanceIds: [id],
              ShouldDecrementDesiredCapacity: true,
            }),
          );
        },
        checkReachable: logsIn,
        cleanup: async () => {
          await provider.shutdown();
          clients.destroy();
          await emulator.close();
          await host.close();
          await rm(stateRoot, { recursive: true, force: true });
        },
      };
    },
    // sshd start-up runs on real time, so allow many short polls.
    { maxAdvances: 400, testTimeoutMs: 90_000, strays: true },
  );
});

const moto = checkMotoAvailable();
const describeWithMoto = moto.available ? describe : describe.skip;

describeWithMoto(`provider-aws on moto_server (${moto.reason})`, () => {
  let server: MotoServer | undefined;

  beforeAll(async () => {
    server = await startMotoServer();
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  defineInstanceGroupContract(
    'moto_server',
    async (): Promise<ContractSubject> => {
      const endpoint = server!.endpoint;
      const clients = createAwsSdkClients(endpoint);
      const name = await createGroup(clients);
      const provider = providerFor(name, endpoint);
      return {
        provider,
        groupMaxSize,
        // moto launches and terminates synchronously: there is nothing to wait for.
        advance: () => Promise.resolve(),
        removeExternally: async id => {
          await clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
        },
        detachExternally: async id => {
          await clients.autoScaling.send(
            new DetachInstancesCommand({
              AutoScalingGroupName: name,
              InstanceIds: [id],
              ShouldDecrementDesiredCapacity: true,
            }),
          );
        },
        // No checkReachable: moto's instances are records without any sshd behind their
        // addresses, and its SendSSHPublicKey always answers success (aws.md §3.2); the SSH login
        // is proven on the emulator above. The contract still checks the info's shape.
        cleanup: async () => {
          await provider.shutdown();
          await clients.autoScaling.send(
            new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: name, ForceDelete: true }),
          );
          clients.destroy();
        },
      };
    },
    { maxAdvances: 5, testTimeoutMs: 60_000, strays: true },
  );
});
