import { SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { FleetingError } from '@taskfleet/fleeting';
import type { IncreaseResult } from '@taskfleet/fleeting';

import { classifyAwsError } from './classify-aws-error';

/** What an increase will ask for: the absolute target and how much of the delta fits. */
export interface IncreasePlan {
  /** The DesiredCapacity to set. */
  readonly targetCapacity: number;
  /** How many of the delta the target includes, 0 to delta. */
  readonly requested: number;
  /** True when MaxSize cut the delta. */
  readonly capped: boolean;
}

/**
 * Plans `desired + delta`, capped at MaxSize: AWS refuses a target above max outright, which
 * would launch nothing at all (field report B58), so ask for what fits and report the rest.
 */
export function planIncrease(
  desiredCapacity: number,
  maxSize: number,
  delta: number,
): IncreasePlan {
  const current = Math.max(0, desiredCapacity);
  const targetCapacity = Math.max(current, Math.min(current + delta, maxSize));
  const requested = targetCapacity - current;

  return { targetCapacity, requested, capped: requested < delta };
}

/** Sends the plan's absolute SetDesiredCapacity and says how much of it was accepted. */
export async function applyIncrease(
  client: AutoScalingClient,
  groupName: string,
  plan: IncreasePlan,
  maxSize: number,
  signal?: AbortSignal,
): Promise<IncreaseResult> {
  const capError = plan.capped
    ? new FleetingError(
        'capacity_exceeded',
        `could not increase group: max size ${maxSize} allows ${plan.requested} more`,
      )
    : undefined;
  if (plan.requested === 0) {
    return { requested: 0, ...(capError === undefined ? {} : { error: capError }) };
  }

  try {
    await client.send(
      new SetDesiredCapacityCommand({
        AutoScalingGroupName: groupName,
        DesiredCapacity: plan.targetCapacity,
        // The scaler has decided; a cooldown meant for scaling policies must not veto it.
        HonorCooldown: false,
      }),
      { abortSignal: signal },
    );
  } catch (error) {
    return { requested: 0, error: classifyAwsError(error, { action: 'set desired capacity' }) };
  }

  return { requested: plan.requested, ...(capError === undefined ? {} : { error: capError }) };
}
