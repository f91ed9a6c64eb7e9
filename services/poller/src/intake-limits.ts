import type { Config, RunnerConfig } from '@taskfleet/config';
import type { Registry } from '@taskfleet/registry';

/** The global `concurrent` and the registries of every runner it spans. */
export interface ConcurrentLimit {
  /** `concurrent`: most jobs handled at once across all `[[runners]]`. */
  readonly concurrent: number;
  /** One registry per runner entry, in config order. */
  readonly registries: readonly Registry[];
}

/**
 * Most jobs one runner may handle at once: its `limit`, never above the global `concurrent`.
 * The reserve script checks it atomically, so pollers sharing the runner never exceed it.
 */
export function runnerJobLimit(config: Pick<Config, 'concurrent'>, runner: RunnerConfig): number {
  const limit = runner.jobLimit ?? 0;
  return limit > 0 ? Math.min(limit, config.concurrent) : config.concurrent;
}

/**
 * Checks, after a reservation is in place, that the jobs of all runners together stay within
 * `concurrent`. Runners live in separate hash slots, so no one script can check them all; but
 * every reservation exists before its own check, so of those that pass, the last to check saw
 * all the others, and none can pass over the limit. Two that race may both step back; they try
 * again on the next round. With one runner the reserve script's own limit already covers it.
 */
export async function withinConcurrent(limit: ConcurrentLimit): Promise<boolean> {
  if (limit.registries.length <= 1) {
    return true;
  }
  const counts = await Promise.all(limit.registries.map(registry => registry.intakeCounts()));
  const handled = counts.reduce((sum, c) => sum + c.reserved + c.pending + c.claimed, 0);
  return handled <= limit.concurrent;
}
