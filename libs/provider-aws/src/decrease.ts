import { TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import type { AutoScalingClient, AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { FleetingError } from '@taskfleet/fleeting';
import type { DecreaseFailure } from '@taskfleet/fleeting';

import { classifyAwsError } from './classify-aws-error';
import { instanceStatusOf } from './state-mapping';

/** The outcome of a decrease, plus how many terminations lowered the desired capacity. */
export interface DecreaseOutcome {
  readonly succeeded: readonly string[];
  readonly failed: readonly DecreaseFailure[];
  /** Terminations sent with decrement that AWS accepted. */
  readonly decrementedCount: number;
}

/**
 * Terminates each named member with ShouldDecrementDesiredCapacity, one call per id, and goes
 * on after a failure so every id gets its own answer. Ids that are not members of `group` (a
 * fresh describe) fail `instance_not_found` without a call: the API takes no group name, so an
 * unchecked call could terminate an instance of some other group. Members already terminating
 * count as succeeded without a second call, which would decrement the capacity twice.
 */
export async function decreaseInstances(
  client: AutoScalingClient,
  group: AutoScalingGroup,
  ids: readonly string[],
  signal?: AbortSignal,
): Promise<DecreaseOutcome> {
  const members = new Map((group.Instances ?? []).map(member => [member.InstanceId, member]));
  const succeeded: string[] = [];
  const failed: DecreaseFailure[] = [];
  let decrementedCount = 0;

  for (const id of ids) {
    if (signal?.aborted === true) {
      failed.push({ id, error: notTried(id) });
      continue;
    }
    const member = members.get(id);
    if (member === undefined) {
      failed.push({ id, error: notMember(id, group.AutoScalingGroupName ?? '') });
      continue;
    }
    if (instanceStatusOf(member.LifecycleState) === 'deleting') {
      succeeded.push(id);
      continue;
    }
    try {
      await client.send(
        new TerminateInstanceInAutoScalingGroupCommand({
          InstanceId: id,
          ShouldDecrementDesiredCapacity: true,
        }),
        { abortSignal: signal },
      );
      succeeded.push(id);
      decrementedCount += 1;
    } catch (error) {
      failed.push({
        id,
        error: classifyAwsError(error, { action: 'terminate instance', instanceId: id }),
      });
    }
  }

  return { succeeded, failed, decrementedCount };
}

/** Every id failed with the same cause (the group could not be described). */
export function failAll(ids: readonly string[], error: FleetingError): DecreaseOutcome {
  return { succeeded: [], failed: ids.map(id => ({ id, error })), decrementedCount: 0 };
}

function notMember(id: string, groupName: string): FleetingError {
  return new FleetingError(
    'instance_not_found',
    `could not terminate instance: not a member of group ${groupName}`,
    { instanceId: id },
  );
}

function notTried(id: string): FleetingError {
  return new FleetingError('canceled', 'could not terminate instance: the call was aborted', {
    instanceId: id,
  });
}
