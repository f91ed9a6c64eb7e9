import { CreateLaunchTemplateCommand, CreateKeyPairCommand } from '@aws-sdk/client-ec2';
import { CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';

import { createManualClock } from '../clock';
import type { ManualClock } from '../clock';
import { startAwsEmulator } from '../emulator';
import type { AwsEmulator, AwsEmulatorOptions } from '../emulator';
import { FakeInstanceHost, settle } from './fake-instance-host';
import { createSdkClients } from './sdk-clients';
import type { SdkClients } from './sdk-clients';

/** An emulator on a manual clock with a fake host and SDK clients, for protocol tests. */
export interface EmulatorFixture {
  readonly emulator: AwsEmulator;
  readonly clock: ManualClock;
  readonly host: FakeInstanceHost;
  readonly sdk: SdkClients;
  /** Advances the manual clock and lets the fake host's promises settle. */
  advance(ms: number): Promise<void>;
  /** Calls the admin API and returns its JSON answer (throws on a non-2xx status). */
  admin(method: string, path: string, body?: unknown): Promise<unknown>;
  close(): Promise<void>;
}

/** Starts a fixture; `options` override the defaults (boot 1000 ms, shutdown 500 ms, seed 1). */
export async function startFixture(options: AwsEmulatorOptions = {}): Promise<EmulatorFixture> {
  const clock = createManualClock();
  const host = new FakeInstanceHost();
  const emulator = await startAwsEmulator({ clock, instanceHost: host, randomSeed: 1, ...options });
  const sdk = createSdkClients(emulator.endpoint);
  return {
    emulator,
    clock,
    host,
    sdk,
    async advance(ms) {
      await settle();
      clock.advance(ms);
      await settle();
    },
    async admin(method, path, body) {
      const response = await fetch(`${emulator.adminEndpoint}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json: unknown = await response.json();
      if (!response.ok) {
        throw new Error(
          `admin ${method} ${path} failed: ${response.status} ${JSON.stringify(json)}`,
        );
      }
      return json;
    },
    async close() {
      sdk.destroy();
      await emulator.close();
    },
  };
}

/** Creates a key pair, a launch template using it, and a group; returns their names. */
export async function createGroup(
  fixture: EmulatorFixture,
  input: {
    name: string;
    min?: number;
    max?: number;
    desired?: number;
    subnets?: string[];
    protect?: boolean;
    withKey?: boolean;
  },
): Promise<{ templateName: string; keyName: string | undefined }> {
  const keyName = input.withKey === false ? undefined : `${input.name}-key`;
  if (keyName !== undefined) {
    await fixture.sdk.ec2.send(new CreateKeyPairCommand({ KeyName: keyName, KeyType: 'ed25519' }));
  }
  const templateName = `${input.name}-lt`;
  await fixture.sdk.ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: templateName,
      LaunchTemplateData: {
        ImageId: 'ami-0abcdef1234567890',
        InstanceType: 't3.micro',
        KeyName: keyName,
      },
    }),
  );
  await fixture.sdk.autoscaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: input.name,
      LaunchTemplate: { LaunchTemplateName: templateName, Version: '$Latest' },
      MinSize: input.min ?? 0,
      MaxSize: input.max ?? 10,
      DesiredCapacity: input.desired ?? 0,
      VPCZoneIdentifier: (
        input.subnets ?? ['subnet-0aaa0000000000001', 'subnet-0bbb0000000000002']
      ).join(','),
      NewInstancesProtectedFromScaleIn: input.protect ?? false,
    }),
  );
  return { templateName, keyName };
}
