import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';

const defaultTimeoutMs = 20_000;
const pollIntervalMs = 100;

/** Polls a group (bounded) until it has `count` InService instances, and returns their ids in order. */
export async function waitForInService(
  client: AutoScalingClient,
  groupName: string,
  count: number,
  timeoutMs = defaultTimeoutMs,
): Promise<string[]> {
  return waitForLifecycleState(client, groupName, 'InService', count, timeoutMs);
}

/** Polls a group (bounded) until `count` of its instances are in `state`, and returns their ids in order. */
export async function waitForLifecycleState(
  client: AutoScalingClient,
  groupName: string,
  state: string,
  count: number,
  timeoutMs = defaultTimeoutMs,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let lastStates = '';
  for (;;) {
    const response = await client.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] }),
    );
    const instances = response.AutoScalingGroups?.[0]?.Instances ?? [];
    const matching = instances.filter(i => i.LifecycleState === state);
    if (matching.length >= count) {
      return matching.slice(0, count).map(i => i.InstanceId ?? '');
    }
    lastStates = instances
      .map(i => `${String(i.InstanceId)}=${String(i.LifecycleState)}`)
      .join(', ');
    if (Date.now() > deadline) {
      throw new Error(
        `group ${groupName} has no ${count} ${state} instances after ${timeoutMs} ms: [${lastStates}]`,
      );
    }
    await new Promise(resolve => setTimeout(resolve, pollIntervalMs));
  }
}
