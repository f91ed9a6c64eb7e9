// Helpers of the lifecycle-hook and many-pool scenarios: a termination hook on the world's group,
// the emulator's instance-refresh fault, SSH sessions that must survive, and the call log.
import { PutLifecycleHookCommand } from '@aws-sdk/client-auto-scaling';
import { dial } from '@taskfleet/fleeting';
import type { ConnectInfo, SshConnection } from '@taskfleet/fleeting';

import type { ScalerWorld } from '../scaler-harness';
import { createAwsSdkClients } from './aws-sdk-clients';

/** The name of the world's Auto Scaling Group (known once the provider has described it). */
export async function groupNameOf(world: ScalerWorld): Promise<string> {
  if (world.provider.describeGroupSetup() === undefined) {
    await world.provider.init();
  }
  return world.provider.describeGroupSetup()?.name ?? '';
}

/** Puts an `EC2_INSTANCE_TERMINATING` hook on the group, as cattle-ops' fix for B51 does. */
export async function putTerminationHook(
  world: ScalerWorld,
  groupName: string,
  heartbeatTimeoutS: number,
): Promise<void> {
  const clients = createAwsSdkClients(world.emulator.endpoint);
  try {
    await clients.autoScaling.send(
      new PutLifecycleHookCommand({
        AutoScalingGroupName: groupName,
        LifecycleHookName: 'taskfleet-drain',
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        HeartbeatTimeout: heartbeatTimeoutS,
        DefaultResult: 'ABANDON',
      }),
    );
  } finally {
    clients.destroy();
  }
}

/** Starts the emulator's instance refresh; answers the members it took out of service. */
export async function startInstanceRefresh(
  world: ScalerWorld,
  groupName: string,
  body: Record<string, unknown>,
): Promise<string[]> {
  const response = await fetch(
    `${world.emulator.adminEndpoint}/groups/${groupName}/instance-refresh`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    },
  );
  if (!response.ok) {
    throw new Error(`admin instance-refresh answered ${response.status}`);
  }
  return ((await response.json()) as { instanceIds: string[] }).instanceIds;
}

async function connectInfoOf(world: ScalerWorld, id: string): Promise<ConnectInfo> {
  // EC2 may still say pending for a moment after the group lists the instance in service.
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await world.provider.connectInfo(id);
    } catch (error) {
      if (attempt >= 100) {
        throw error;
      }
      await new Promise(resolve => setTimeout(resolve, 50));
    }
  }
}

/** Opens an SSH session to the instance, as an executor running a job there holds one. */
export async function openSession(world: ScalerWorld, id: string): Promise<SshConnection> {
  return dial(await connectInfoOf(world, id), { connectTimeoutMs: 20_000 });
}

/** The emulator's calls of one action, with their parameters. */
export function callsOf(world: ScalerWorld, action: string) {
  return world.emulator.state.calls(action);
}
