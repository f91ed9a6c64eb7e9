import type { RegistrySnapshot } from '@taskfleet/registry';

import type { LifecycleTimings } from './settings';

/** What decides whether the next tick should come sooner. */
export interface ExpectingInput {
  readonly snapshot: RegistrySnapshot;
  readonly pendingCreations: number;
  readonly toCreate: number;
  readonly granted: number;
  readonly requested: number;
  readonly terminated: number;
  /** Ready checks or heartbeats run, or wait for a tick to write what they found. */
  readonly probing: boolean;
}

const changing = ['creating', 'booting', 'draining', 'deleting'] as const;

/**
 * Whether a state change is expected (reference/autoscaler.md §3.8): creations asked for and not
 * yet ready, removals in flight, instances the throttle held back, or probe outcomes to write.
 */
export function expectingChange(input: ExpectingInput): boolean {
  return (
    input.pendingCreations > 0 ||
    input.requested > 0 ||
    input.terminated > 0 ||
    input.probing ||
    input.granted < input.toCreate ||
    input.snapshot.terminationIntents.length > 0 ||
    changing.some(state => input.snapshot.instancesByState[state] > 0)
  );
}

/** The delay before the next tick: `update_interval_when_expecting` while expecting, else `update_interval`. */
export function nextTickDelayMs(expecting: boolean, timings: LifecycleTimings): number {
  return expecting ? timings.updateIntervalWhenExpectingMs : timings.updateIntervalMs;
}

/**
 * First-tick offsets for `count` pools started together: one per equal slice of `spreadMs`, at a
 * random point in it, so pools (and processes) do not poll the cloud in step (B59).
 */
export function startOffsetsMs(count: number, spreadMs: number, random: () => number): number[] {
  const sliceMs = count > 0 ? Math.max(0, spreadMs) / count : 0;
  return Array.from({ length: count }, (_, i) => Math.floor(sliceMs * (i + random())));
}

/** The delay before the next tick: the planned one, or longer while the account backs off. */
export function delayWithBackoffMs(plannedMs: number, backoffRemainingMs: number): number {
  return Math.max(plannedMs, backoffRemainingMs);
}
