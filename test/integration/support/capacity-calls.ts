// Reads the AWS emulator's call log the way invariant 4 is stated: every SetDesiredCapacity
// raises desired capacity within the group's max, every TerminateInstanceInAutoScalingGroup
// names one instance with decrement, and no instance is decremented twice.
import type { AwsEmulator, CallRecord } from '@taskfleet/emulator-aws';

/** What the call log shows about capacity changes. */
export interface CapacityCallCheck {
  /** Every rule the calls broke, in words; empty when none. */
  readonly violations: readonly string[];
  /** Instances terminated with an accepted call, in call order. */
  readonly terminated: readonly string[];
  /** The highest desired capacity ever asked for. */
  readonly maxDesired: number;
  /** Accepted terminations, with the clock time of each. */
  readonly terminations: readonly { readonly instanceId: string; readonly atMs: number }[];
}

const capacityActions = new Set(['SetDesiredCapacity', 'TerminateInstanceInAutoScalingGroup']);

/** Checks every accepted capacity call of the log against the group's max size. */
export function checkCapacityCalls(emulator: AwsEmulator, maxSize: number): CapacityCallCheck {
  const calls: readonly CallRecord[] = emulator.state
    .calls()
    .filter(c => capacityActions.has(c.action) && c.httpStatus === 200);
  const violations: string[] = [];
  const terminations: { instanceId: string; atMs: number }[] = [];
  let desired = 0;
  let maxDesired = 0;
  for (const call of calls) {
    if (call.action === 'SetDesiredCapacity') {
      const asked = Number(call.params.DesiredCapacity);
      if (!(asked >= desired)) {
        violations.push(`call ${call.seq} lowered desired capacity ${desired} → ${asked}`);
      }
      if (asked > maxSize) {
        violations.push(`call ${call.seq} asked ${asked} above max ${maxSize}`);
      }
      desired = asked;
      maxDesired = Math.max(maxDesired, asked);
      continue;
    }
    const id = String(call.params.InstanceId);
    if (String(call.params.ShouldDecrementDesiredCapacity) !== 'true') {
      violations.push(`call ${call.seq} terminated ${id} without decrement`);
    }
    if (terminations.some(t => t.instanceId === id)) {
      violations.push(`call ${call.seq} terminated ${id} a second time`);
    }
    terminations.push({ instanceId: id, atMs: call.atMs });
    desired -= 1;
    if (desired < 0) {
      violations.push(`call ${call.seq} took desired capacity below 0`);
    }
  }
  return { violations, terminated: terminations.map(t => t.instanceId), maxDesired, terminations };
}

/** EC2 instances of the emulator that are not terminated yet (pending, running, shutting down). */
export function liveInstanceIds(emulator: AwsEmulator): string[] {
  const snapshot = emulator.state.snapshot() as {
    instances: { instanceId: string; state: string }[];
  };
  return snapshot.instances.filter(i => i.state !== 'terminated').map(i => i.instanceId);
}
