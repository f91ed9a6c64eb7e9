import {
  CompleteLifecycleActionCommand,
  DescribeLifecycleHooksCommand,
  RecordLifecycleActionHeartbeatCommand,
} from '@aws-sdk/client-auto-scaling';
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { FleetingError } from '@taskfleet/fleeting';

import { classifyAwsError } from './classify-aws-error';

/** The LifecycleTransition of hooks that hold terminating members in `Terminating:Wait`. */
export const TERMINATING_TRANSITION = 'autoscaling:EC2_INSTANCE_TERMINATING';

/** One termination lifecycle hook of the group, as the provider needs it. */
export interface TerminationHook {
  readonly name: string;
  /** How long AWS waits for a heartbeat or completion before the DefaultResult applies. */
  readonly heartbeatTimeoutMs: number;
}

/** Lists the group's `EC2_INSTANCE_TERMINATING` hooks. */
export async function describeTerminationHooks(
  client: AutoScalingClient,
  groupName: string,
  signal?: AbortSignal,
): Promise<TerminationHook[]> {
  try {
    const answer = await client.send(
      new DescribeLifecycleHooksCommand({ AutoScalingGroupName: groupName }),
      { abortSignal: signal },
    );
    return (answer.LifecycleHooks ?? []).flatMap(hook =>
      hook.LifecycleTransition === TERMINATING_TRANSITION && hook.LifecycleHookName !== undefined
        ? [
            {
              name: hook.LifecycleHookName,
              // AWS's default HeartbeatTimeout is one hour.
              heartbeatTimeoutMs: (hook.HeartbeatTimeout ?? 3600) * 1000,
            },
          ]
        : [],
    );
  } catch (error) {
    throw classifyAwsError(error, { action: 'describe lifecycle hooks' });
  }
}

/**
 * Sends one lifecycle call per termination hook for the instance. A hook with no action waiting
 * (completed by someone else, or timed out) is skipped; if none had one, it rejects not found.
 */
export async function forEachWaitingHook(
  hooks: readonly TerminationHook[],
  instanceId: string,
  action: string,
  send: (hook: TerminationHook) => Promise<unknown>,
): Promise<void> {
  let answered = 0;
  for (const hook of hooks) {
    try {
      await send(hook);
      answered += 1;
    } catch (error) {
      const classified = classifyAwsError(error, { action, instanceId });
      if (classified.code !== 'instance_not_found') {
        throw classified;
      }
    }
  }
  if (answered === 0) {
    throw new FleetingError(
      'instance_not_found',
      `could not ${action}: no lifecycle action waits on ${instanceId}`,
      { instanceId },
    );
  }
}

/** RecordLifecycleActionHeartbeat on every termination hook holding the instance. */
export function recordHeartbeats(
  client: AutoScalingClient,
  groupName: string,
  hooks: readonly TerminationHook[],
  instanceId: string,
  signal?: AbortSignal,
): Promise<void> {
  return forEachWaitingHook(hooks, instanceId, 'record lifecycle action heartbeat', hook =>
    client.send(
      new RecordLifecycleActionHeartbeatCommand({
        AutoScalingGroupName: groupName,
        LifecycleHookName: hook.name,
        InstanceId: instanceId,
      }),
      { abortSignal: signal },
    ),
  );
}

/** CompleteLifecycleAction CONTINUE on every termination hook holding the instance. */
export function completeActions(
  client: AutoScalingClient,
  groupName: string,
  hooks: readonly TerminationHook[],
  instanceId: string,
  signal?: AbortSignal,
): Promise<void> {
  return forEachWaitingHook(hooks, instanceId, 'complete lifecycle action', hook =>
    client.send(
      new CompleteLifecycleActionCommand({
        AutoScalingGroupName: groupName,
        LifecycleHookName: hook.name,
        InstanceId: instanceId,
        LifecycleActionResult: 'CONTINUE',
      }),
      { abortSignal: signal },
    ),
  );
}
