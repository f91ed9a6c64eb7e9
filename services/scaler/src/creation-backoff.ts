import type { Logger } from 'pino';

import { backoffMs } from './health-probes';

/**
 * Longest wait between creations while new instances keep failing to boot. The reference says
 * only that taskscaler 17.0 backs off exponentially (MR 4722); this cap is our choice: short
 * enough that a fixed `instance_ready_command` is picked up within minutes, long enough that a
 * broken pool launches about a dozen instances an hour instead of one per tick.
 */
export const maxCreationBackoffMs = 300_000;

/** The creation back-off kept in the scaler's memory (Redis), so a new leader goes on with it. */
export interface CreationBackoff {
  /** Boots that failed (`boot_failed`) since the last instance that became ready. */
  readonly consecutiveBootFailures: number;
  /** No creation is asked for before this; undefined when not backing off. */
  readonly untilMs: number | undefined;
}

/** No failures, no wait. */
export const noCreationBackoff: CreationBackoff = {
  consecutiveBootFailures: 0,
  untilMs: undefined,
};

/**
 * The wait before the next creation after `failures` boot failures in a row: none for 0, then
 * `baseMs` doubled per further failure, at most `maxMs`.
 */
export function creationBackoffMs(failures: number, baseMs: number, maxMs: number): number {
  return failures <= 0 ? 0 : backoffMs(failures, baseMs, Math.max(baseMs, maxMs));
}

/** What one tick saw of boots: instances that became ready, and boot failures removed. */
export interface BootCounts {
  readonly ready: number;
  readonly failed: number;
}

/**
 * The back-off after a tick's boots. A ready instance ends the streak; the tick's failures then
 * start a new one (they were removed after the passes were written, so they are the newer
 * news). Each failure restarts the wait from now with the longer delay.
 */
export function nextCreationBackoff(
  current: CreationBackoff,
  boots: BootCounts,
  nowMs: number,
  baseMs: number,
  maxMs: number,
): CreationBackoff {
  const streak = (boots.ready > 0 ? 0 : current.consecutiveBootFailures) + boots.failed;
  if (streak === 0) {
    return noCreationBackoff;
  }
  if (boots.failed === 0) {
    return current;
  }
  return {
    consecutiveBootFailures: streak,
    untilMs: nowMs + creationBackoffMs(streak, baseMs, maxMs),
  };
}

/** Milliseconds left of the back-off at `nowMs`; 0 when creations may be asked for. */
export function creationHoldMs(backoff: CreationBackoff, nowMs: number): number {
  return backoff.untilMs === undefined ? 0 : Math.max(0, backoff.untilMs - nowMs);
}

/** Logs a change of the back-off once: a new or longer wait, or its end. */
export function logCreationBackoff(
  logger: Logger,
  before: CreationBackoff,
  after: CreationBackoff,
  nowMs: number,
): void {
  if (after === before) {
    return;
  }
  if (after.consecutiveBootFailures === 0) {
    if (before.consecutiveBootFailures > 0) {
      logger.info({ afterBootFailures: before.consecutiveBootFailures }, 'creation back-off ended');
    }
    return;
  }
  logger.warn(
    {
      consecutiveBootFailures: after.consecutiveBootFailures,
      backoffMs: creationHoldMs(after, nowMs),
      untilMs: after.untilMs,
    },
    'creation back-off',
  );
}
