import {
  DescribeAutoScalingGroupsCommand,
  DescribeLifecycleHooksCommand,
  DescribePoliciesCommand,
} from '@aws-sdk/client-auto-scaling';
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';

import { createAwsClients } from './aws-clients';
import { classifyAwsError } from './classify-aws-error';
import { groupSetupOf } from './group-setup';
import { resolveSettings } from './settings';
import type { AwsProviderSettings } from './settings';
import { TERMINATING_TRANSITION } from './termination-hooks';

/** Stable codes of what `checkGroup` finds wrong with a group's setup. */
export type GroupProblemCode =
  | 'group_not_found'
  | 'not_protected_from_scale_in'
  | 'az_rebalance_active'
  | 'has_scaling_policies'
  | 'no_termination_hook'
  | 'max_size_below_max_instances';

/** One thing in a group's setup that lets AWS end busy instances or breaks the caps. */
export interface GroupProblem {
  readonly code: GroupProblemCode;
  /** One line for a person: what is wrong and what to change. */
  readonly message: string;
}

/** What `checkGroup` read about the group, and every problem found in it. */
export interface GroupCheck {
  readonly groupName: string;
  readonly problems: readonly GroupProblem[];
}

async function send<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw classifyAwsError(error, { action });
  }
}

/**
 * Reads the group, its lifecycle hooks and its scaling policies (fleeting-plugin-aws's required
 * setup, aws.md §1.4) and lists every problem at once; rejects only when AWS could not be read.
 */
export async function checkGroupWith(
  client: AutoScalingClient,
  groupName: string,
  maxInstances: number | null,
): Promise<GroupCheck> {
  const described = await send('describe auto scaling group', () =>
    client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] })),
  );
  const group = described.AutoScalingGroups?.find(g => g.AutoScalingGroupName === groupName);
  if (group === undefined) {
    return {
      groupName,
      problems: [
        { code: 'group_not_found', message: `no auto scaling group is named ${groupName}` },
      ],
    };
  }
  const [hooks, policies] = await Promise.all([
    send('describe lifecycle hooks', () =>
      client.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: groupName })),
    ),
    send('describe scaling policies', () =>
      client.send(new DescribePoliciesCommand({ AutoScalingGroupName: groupName })),
    ),
  ]);
  const setup = groupSetupOf(group);
  const problems: GroupProblem[] = [];
  if (!setup.newInstancesProtectedFromScaleIn) {
    problems.push({
      code: 'not_protected_from_scale_in',
      message:
        'new instances are not protected from scale-in, so AWS may pick a busy one to end; ' +
        'set NewInstancesProtectedFromScaleIn',
    });
  }
  if (!setup.azRebalanceSuspended) {
    problems.push({
      code: 'az_rebalance_active',
      message:
        'AZRebalance is not suspended, so AWS may end instances to balance zones; suspend it',
    });
  }
  const policyNames = (policies.ScalingPolicies ?? []).map(p => p.PolicyName ?? '?');
  if (policyNames.length > 0) {
    problems.push({
      code: 'has_scaling_policies',
      message: `scaling policies ${policyNames.join(', ')} change capacity behind taskfleet; delete them`,
    });
  }
  const terminationHooks = (hooks.LifecycleHooks ?? []).filter(
    h => h.LifecycleTransition === TERMINATING_TRANSITION,
  );
  if (terminationHooks.length === 0) {
    problems.push({
      code: 'no_termination_hook',
      message:
        'no EC2_INSTANCE_TERMINATING lifecycle hook, so an instance refresh or health ' +
        'replacement ends running jobs; add one',
    });
  }
  if (maxInstances !== null && maxInstances > 0 && setup.maxSize < maxInstances) {
    problems.push({
      code: 'max_size_below_max_instances',
      message: `MaxSize ${setup.maxSize} is below max_instances ${maxInstances}; raise MaxSize`,
    });
  }
  return { groupName, problems };
}

/** Checks the group the settings name, with clients made for this one check and closed after. */
export async function checkGroup(
  settings: AwsProviderSettings,
  maxInstances: number | null,
): Promise<GroupCheck> {
  const resolved = resolveSettings(settings);
  const clients = createAwsClients(resolved);
  try {
    return await checkGroupWith(clients.autoScaling, resolved.name, maxInstances);
  } finally {
    clients.destroy();
  }
}
