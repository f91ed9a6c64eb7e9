import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import type { EC2Client, Instance } from '@aws-sdk/client-ec2';
import { SendSSHPublicKeyCommand } from '@aws-sdk/client-ec2-instance-connect';
import type { EC2InstanceConnectClient } from '@aws-sdk/client-ec2-instance-connect';
import { FleetingError } from '@taskfleet/fleeting';
import type { ConnectInfo } from '@taskfleet/fleeting';

import { classifyAwsError } from './classify-aws-error';
import type { ResolvedAwsSettings } from './settings';
import { generateSshKeyPair, sshKeyPairOf } from './ssh-key';
import { instanceArchOf, instanceOsOf } from './state-mapping';

/** A key pushed with SendSSHPublicKey is good for new logins this long (aws.md §5). */
export const PUSHED_KEY_LIFETIME_MS = 60_000;

const groupTag = 'aws:autoscaling:groupName';

// EC2 lists terminated instances for a while; for the port they are gone, not unhealthy.
const goneStates: ReadonlySet<string> = new Set(['shutting-down', 'terminated']);

const instanceIdPattern = /^i-[0-9a-f]{8,32}$/;

/**
 * Describes one instance of the group and checks that it is running: `instance_not_found` when
 * EC2 does not know it, it is terminated, or it carries another group's tag; else
 * `instance_unhealthy` when it is not `running` (pending, stopping, stopped).
 */
export async function describeRunningInstance(
  ec2: EC2Client,
  id: string,
  groupName: string,
  signal?: AbortSignal,
): Promise<Instance> {
  // DescribeInstances treats an empty id list as "every instance", so a blank or malformed id
  // would answer with some other instance of the account.
  if (!instanceIdPattern.test(id)) {
    throw new FleetingError('invalid_argument', 'could not describe instance: malformed id', {
      instanceId: id,
    });
  }
  let instance: Instance | undefined;
  try {
    const answer = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }), {
      abortSignal: signal,
    });
    instance = answer.Reservations?.[0]?.Instances?.[0];
  } catch (error) {
    throw classifyAwsError(error, { action: 'describe instance', instanceId: id });
  }
  const state = instance?.State?.Name ?? '';
  const owner = instance?.Tags?.find(tag => tag.Key === groupTag)?.Value;
  if (instance === undefined || goneStates.has(state) || owner !== groupName) {
    throw new FleetingError('instance_not_found', 'could not find instance in group', {
      instanceId: id,
    });
  }
  if (state !== 'running') {
    throw new FleetingError('instance_unhealthy', 'could not use instance: it is not running', {
      instanceId: id,
    });
  }

  return instance;
}

/**
 * Builds connect info for a running instance; unless static credentials are configured, it
 * pushes the configured key's public half, or a fresh key's, with SendSSHPublicKey first.
 */
export async function connectInfoOf(
  instanceConnect: EC2InstanceConnectClient,
  instance: Instance,
  connector: ResolvedAwsSettings['connector'],
  nowMs: number,
  signal?: AbortSignal,
): Promise<ConnectInfo> {
  const id = instance.InstanceId ?? '';
  const os = instanceOsOf(instance.Platform, instance.Architecture);
  if (instance.PrivateIpAddress === undefined) {
    throw new FleetingError('instance_unhealthy', 'could not use instance: it has no address', {
      instanceId: id,
    });
  }
  const base = {
    id,
    internalAddr: instance.PrivateIpAddress,
    ...(instance.PublicIpAddress === undefined ? {} : { externalAddr: instance.PublicIpAddress }),
    os,
    arch: instanceArchOf(instance.Architecture),
    protocol: 'ssh' as const,
    protocolPort: connector.protocolPort,
    username: connector.username,
    useExternalAddr: connector.useExternalAddr,
    ...(connector.keepaliveMs === undefined ? {} : { keepaliveMs: connector.keepaliveMs }),
    ...(connector.timeoutMs === undefined ? {} : { timeoutMs: connector.timeoutMs }),
  };
  if (connector.useStaticCredentials) {
    return { ...base, ...(connector.key === undefined ? {} : { key: connector.key }) };
  }
  if (os === 'windows') {
    // The plugin decrypts GetPasswordData for Windows; this provider does not (yet).
    throw new FleetingError('unsupported', 'could not provision windows credentials', {
      instanceId: id,
    });
  }

  const pair = connector.key === undefined ? generateSshKeyPair() : sshKeyPairOf(connector.key);
  await pushKey(instanceConnect, instance, connector.username, pair.publicKey, signal);

  return { ...base, key: pair.privateKey, expiresAtMs: nowMs + PUSHED_KEY_LIFETIME_MS };
}

async function pushKey(
  client: EC2InstanceConnectClient,
  instance: Instance,
  username: string,
  publicKey: string,
  signal?: AbortSignal,
): Promise<void> {
  const id = instance.InstanceId ?? '';
  let success: boolean | undefined;
  try {
    const answer = await client.send(
      new SendSSHPublicKeyCommand({
        InstanceId: id,
        InstanceOSUser: username,
        SSHPublicKey: publicKey,
        ...(instance.Placement?.AvailabilityZone === undefined
          ? {}
          : { AvailabilityZone: instance.Placement.AvailabilityZone }),
      }),
      { abortSignal: signal },
    );
    success = answer.Success;
  } catch (error) {
    throw classifyAwsError(error, { action: 'send ssh public key', instanceId: id });
  }
  if (success !== true) {
    throw new FleetingError('provider_unavailable', 'could not send ssh public key: not accepted', {
      instanceId: id,
    });
  }
}
