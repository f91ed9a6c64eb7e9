import type { EffectivePolicy, SchedulePolicy } from '../types';
import { cronRange } from './cron-range';
import type { WallClock } from './wall-clock';
import { wallClock } from './wall-clock';

/**
 * `idle_time` used when no policy matches. The reference leaves this open (§3.1 gap); the
 * runner's own pause-pod autoscaler falls back to 5 minutes, and so do we.
 */
export const NO_POLICY_IDLE_TIME_MS = 5 * 60_000;

/** The settings used when no policy is active: nothing idle, no scale factor, preemptive off. */
export const NO_POLICY: EffectivePolicy = Object.freeze({
  policyIndex: null,
  idleCount: 0,
  idleTimeMs: NO_POLICY_IDLE_TIME_MS,
  scaleFactor: 0,
  scaleFactorLimit: null,
  preemptiveMode: false,
});

const minuteMs = 60_000;

function activeIndex(policies: readonly SchedulePolicy[], clockOf: (zone: string) => WallClock) {
  // Last match wins (reference/autoscaler.md §3.1), so scan from the end.
  for (let index = policies.length - 1; index >= 0; index -= 1) {
    const policy = policies[index];
    if (policy === undefined) {
      continue;
    }
    const clock = clockOf(policy.timezone);
    if (policy.periods.some(period => cronRange(period).contains(clock))) {
      return index;
    }
  }
  return null;
}

function clockReader(epochMs: number): (zone: string) => WallClock {
  const clocks = new Map<string, WallClock>();
  return zone => {
    let clock = clocks.get(zone);
    if (clock === undefined) {
      clock = wallClock(epochMs, zone);
      clocks.set(zone, clock);
    }
    return clock;
  };
}

function effective(policies: readonly SchedulePolicy[], index: number | null): EffectivePolicy {
  const policy = index === null ? undefined : policies[index];
  if (policy === undefined) {
    return NO_POLICY;
  }
  return {
    policyIndex: index,
    idleCount: policy.idleCount,
    idleTimeMs: policy.idleTimeMs,
    scaleFactor: policy.scaleFactor,
    scaleFactorLimit: policy.scaleFactorLimit === 0 ? null : policy.scaleFactorLimit,
    preemptiveMode: policy.preemptiveMode,
  };
}

/**
 * The settings in force at `nowMs`: the last policy with a period whose fields match the wall
 * clock minute of its zone, or {@link NO_POLICY}. A period is a range of time: it holds every
 * instant of every matching minute, so 15:59:59.999 belongs to `* 8-15 * * *` (B15). A local
 * minute skipped by a DST jump is never active; one that occurs twice is active both times.
 */
export function activePolicy(policies: readonly SchedulePolicy[], nowMs: number): EffectivePolicy {
  return effective(policies, activeIndex(policies, clockReader(nowMs)));
}

/**
 * The first instant after `nowMs` and within `horizonMs` at which {@link activePolicy} changes
 * its answer, or `null` if it does not; for a scaler that wants to wake at a policy boundary.
 * Offsets of today's zones are whole minutes, so answers change only on UTC minute boundaries.
 */
export function nextPolicyChangeMs(
  policies: readonly SchedulePolicy[],
  nowMs: number,
  horizonMs = 24 * 60 * minuteMs,
): number | null {
  const current = activeIndex(policies, clockReader(nowMs));
  const lastMs = nowMs + horizonMs;
  for (
    let atMs = Math.floor(nowMs / minuteMs) * minuteMs + minuteMs;
    atMs <= lastMs;
    atMs += minuteMs
  ) {
    if (activeIndex(policies, clockReader(atMs)) !== current) {
      return atMs;
    }
  }
  return null;
}
