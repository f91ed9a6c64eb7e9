import type { Config } from '@taskfleet/config';
import { runnerKeyFor } from '@taskfleet/job-queue';
import { readLeaderLease, runnerBaseKey } from '@taskfleet/registry';
import type { LeaseView } from '@taskfleet/registry';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

import type { RunningService } from './service';

/** How long a runner may be without a scaler leader before the watch warns. */
export const scalerMissingGraceMs = 30_000;
/** How often the watch reads each runner's lease. */
export const scalerWatchIntervalMs = 10_000;

/** What the watch remembers of one runner between reads. */
export interface WatchState {
  /** Since when no leader was seen; undefined while one leads. */
  readonly missingSinceMs: number | undefined;
  readonly warned: boolean;
}

/** What one read of the lease means for the log: nothing, a warning, or the all-clear. */
export type WatchEvent = 'missing' | 'back' | undefined;

/**
 * The next state after one read: a warning once the lease has been missing for `graceMs`, the
 * all-clear when a leader appears after that warning, and nothing otherwise.
 */
export function observeLease(
  state: WatchState,
  lease: LeaseView | undefined,
  nowMs: number,
  graceMs: number,
): { state: WatchState; event: WatchEvent } {
  if (lease !== undefined) {
    return {
      state: { missingSinceMs: undefined, warned: false },
      event: state.warned ? 'back' : undefined,
    };
  }
  const missingSinceMs = state.missingSinceMs ?? nowMs;
  if (!state.warned && nowMs - missingSinceMs >= graceMs) {
    return { state: { missingSinceMs, warned: true }, event: 'missing' };
  }
  return { state: { missingSinceMs, warned: state.warned }, event: undefined };
}

interface WatchedRunner {
  readonly runnerKey: string;
  readonly group: string;
  readonly baseKey: string;
  state: WatchState;
}

/**
 * Watches, for a process that runs a poller or an executor but no scaler, that some scaler
 * leads each runner's group: without one no instance is ever created, and accepted jobs would
 * wait silently until instance_acquire_timeout fails them.
 */
export function startScalerWatch(
  config: Config,
  redis: Redis,
  logger: Logger,
  nowMs: () => number = Date.now,
): RunningService {
  const runners = config.runners.map((runner): WatchedRunner => {
    const runnerKey = runnerKeyFor(runner);
    return {
      runnerKey,
      group: runner.autoscaler.pluginConfig.groupName,
      baseKey: runnerBaseKey(config.taskfleet.keyPrefix, runnerKey),
      state: { missingSinceMs: undefined, warned: false },
    };
  });
  let reading: Promise<void> = Promise.resolve();
  const readAll = async (): Promise<void> => {
    for (const runner of runners) {
      const atMs = nowMs();
      let lease: LeaseView | undefined;
      try {
        lease = await readLeaderLease(redis, runner.baseKey, atMs);
      } catch (error) {
        // Redis trouble is reported by the services themselves; the watch tries again later.
        logger.debug({ err: error, runnerKey: runner.runnerKey }, 'scaler lease not read');
        continue;
      }
      const next = observeLease(runner.state, lease, atMs, scalerMissingGraceMs);
      runner.state = next.state;
      const fields = { runnerKey: runner.runnerKey, group: runner.group };
      if (next.event === 'missing') {
        logger.warn(
          { ...fields, missingForMs: atMs - (next.state.missingSinceMs ?? atMs) },
          'no scaler leads this group: no instances will be created',
        );
      } else if (next.event === 'back') {
        logger.info({ ...fields, holderId: lease?.holderId }, 'a scaler leads this group again');
      }
    }
  };
  const tick = (): void => {
    reading = reading.then(readAll);
  };
  tick();
  const timer = setInterval(tick, scalerWatchIntervalMs);
  timer.unref();
  return {
    name: 'scaler-watch',
    close: async () => {
      clearInterval(timer);
      await reading;
    },
  };
}
