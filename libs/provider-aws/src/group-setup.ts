import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import type { AutoScalingClient, AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { FleetingError } from '@taskfleet/fleeting';
import type { Logger } from 'pino';

import { classifyAwsError } from './classify-aws-error';

/** The facts about a group's setup that fleeting-plugin-aws's README requires (aws.md §1.4). */
export interface GroupSetup {
  readonly name: string;
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredCapacity: number;
  /** New instances are protected from scale-in, so only explicit terminations remove them. */
  readonly newInstancesProtectedFromScaleIn: boolean;
  /** AZRebalance is suspended, so AWS never moves (terminates) instances between zones. */
  readonly azRebalanceSuspended: boolean;
  /** Every process name in SuspendedProcesses. */
  readonly suspendedProcesses: readonly string[];
  /** The `EC2_INSTANCE_TERMINATING` hooks, once read; absent when they could not be read. */
  readonly terminationHookNames?: readonly string[];
}

/** Reads the setup facts from one DescribeAutoScalingGroups entry. */
export function groupSetupOf(group: AutoScalingGroup): GroupSetup {
  const suspendedProcesses = (group.SuspendedProcesses ?? [])
    .map(process => process.ProcessName)
    .filter((name): name is string => name !== undefined);

  return {
    name: group.AutoScalingGroupName ?? '',
    minSize: group.MinSize ?? 0,
    maxSize: group.MaxSize ?? 0,
    desiredCapacity: group.DesiredCapacity ?? 0,
    newInstancesProtectedFromScaleIn: group.NewInstancesProtectedFromScaleIn === true,
    azRebalanceSuspended: suspendedProcesses.includes('AZRebalance'),
    suspendedProcesses,
  };
}

/** Describes the one group by name; rejects `invalid_config` unless exactly one comes back. */
export async function describeGroup(
  client: AutoScalingClient,
  name: string,
  signal?: AbortSignal,
): Promise<AutoScalingGroup> {
  let groups: AutoScalingGroup[];
  try {
    const answer = await client.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }),
      { abortSignal: signal },
    );
    groups = answer.AutoScalingGroups ?? [];
  } catch (error) {
    throw classifyAwsError(error, { action: 'describe auto scaling group' });
  }
  const [group] = groups;
  if (groups.length !== 1 || group === undefined) {
    throw new FleetingError(
      'invalid_config',
      `could not describe auto scaling group: ${groups.length} groups are named ${name}`,
    );
  }

  return group;
}

/** Warns once about each setup fact fleeting-plugin-aws's README asks for that is missing. */
export function warnAboutSetup(
  logger: Logger,
  setup: GroupSetup | undefined,
  hooks: readonly unknown[] | undefined,
): void {
  if (setup?.newInstancesProtectedFromScaleIn === false) {
    logger.warn({}, 'new instances are not protected from scale in and should be');
  }
  if (setup?.azRebalanceSuspended === false) {
    logger.warn({}, 'AZRebalance is not suspended and should be');
  }
  if (hooks?.length === 0) {
    logger.warn({}, 'no termination lifecycle hook; aws may end busy instances');
  }
}
