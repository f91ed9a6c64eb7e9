import { causeTime } from './activities';

// The Cause texts of scaling activities, worded as AWS writes them.

/** Joins the cause of a capacity change with the cause of the activity it led to. */
export function withPrefix(prefix: string | undefined, text: string): string {
  return prefix === undefined ? text : `${prefix}  ${text}`;
}

/** SetDesiredCapacity changed the capacity. */
export function explicitSetCause(nowMs: number, from: number, to: number): string {
  return (
    `At ${causeTime(nowMs)} a user request explicitly set group desired capacity ` +
    `changing the desired capacity from ${from} to ${to}.`
  );
}

/** CreateAutoScalingGroup set the first capacity. */
export function createdCause(nowMs: number, desired: number): string {
  return (
    `At ${causeTime(nowMs)} a user request created an AutoScalingGroup ` +
    `changing the desired capacity from 0 to ${desired}.`
  );
}

/** UpdateAutoScalingGroup moved the capacity. */
export function updatedCause(
  nowMs: number,
  sizes: { min: number; max: number; desired: number },
  from: number,
): string {
  return (
    `At ${causeTime(nowMs)} a user request update of AutoScalingGroup constraints to ` +
    `min: ${sizes.min}, max: ${sizes.max}, desired: ${sizes.desired} ` +
    `changing the desired capacity from ${from} to ${sizes.desired}.`
  );
}

/** A launch to close the gap to the desired capacity. */
export function launchCause(nowMs: number, from: number, to: number): string {
  return (
    `At ${causeTime(nowMs)} an instance was started in response to a difference between ` +
    `desired and actual capacity, increasing the capacity from ${from} to ${to}.`
  );
}

/** A scale-in termination chosen by the termination policy. */
export function scaleInCause(nowMs: number, from: number, to: number, instanceId: string): string {
  return (
    `At ${causeTime(nowMs)} an instance was taken out of service in response to a difference ` +
    `between desired and actual capacity, shrinking the capacity from ${from} to ${to}.  ` +
    `At ${causeTime(nowMs)} instance ${instanceId} was selected for termination.`
  );
}

/** TerminateInstanceInAutoScalingGroup; `from` is set when the capacity is decremented. */
export function userTerminateCause(nowMs: number, instanceId: string, from?: number): string {
  const head = `At ${causeTime(nowMs)} instance ${instanceId} was taken out of service in response to a user request`;
  return from === undefined
    ? `${head}.`
    : `${head}, shrinking the capacity from ${from} to ${from - 1}.`;
}

/** DeleteAutoScalingGroup with ForceDelete. */
export function deleteCause(nowMs: number): string {
  return (
    `At ${causeTime(nowMs)} an instance was taken out of service in response to ` +
    `a user request to delete the AutoScalingGroup.`
  );
}

/** A launch lifecycle action ended with ABANDON. */
export function abandonedLaunchCause(nowMs: number): string {
  return (
    `At ${causeTime(nowMs)} an instance was taken out of service ` +
    `because its launch lifecycle action was abandoned.`
  );
}

/** The EC2 instance died under the group. */
export function healthCheckCause(nowMs: number): string {
  return (
    `At ${causeTime(nowMs)} an instance was taken out of service in response to an EC2 health check ` +
    `indicating it has been terminated or stopped.`
  );
}

/** AZRebalance launched into the smallest zone. */
export function rebalanceLaunchCause(nowMs: number, from: number): string {
  return (
    `At ${causeTime(nowMs)} an instance was started in response to an Availability Zone imbalance, ` +
    `increasing the capacity from ${from} to ${from + 1}.`
  );
}

/** AZRebalance terminated a member of the largest zone. */
export function rebalanceTerminateCause(nowMs: number, instanceId: string): string {
  return (
    `At ${causeTime(nowMs)} an instance was taken out of service in response to an ` +
    `Availability Zone rebalancing operation.  ` +
    `At ${causeTime(nowMs)} instance ${instanceId} was selected for termination.`
  );
}

/** An instance refresh replaced a member. */
export function refreshCause(nowMs: number, instanceId: string): string {
  return (
    `At ${causeTime(nowMs)} an instance was taken out of service in response to an instance refresh.  ` +
    `At ${causeTime(nowMs)} instance ${instanceId} was selected for termination.`
  );
}

/** ExecutePolicy changed the capacity. */
export function policyCause(nowMs: number, policyName: string, from: number, to: number): string {
  return (
    `At ${causeTime(nowMs)} a user request executed policy ${policyName} ` +
    `changing the desired capacity from ${from} to ${to}.`
  );
}
