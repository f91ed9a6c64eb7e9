import type { RunnerConfig } from '@taskfleet/config';
import { runnerKeyFor } from '@taskfleet/job-queue';
import type { PoolIdentity } from '@taskfleet/telemetry';

/** A runner's pool as telemetry and reloads name it: its group and runner key, never its token. */
export function poolOf(runner: RunnerConfig): PoolIdentity {
  return {
    group: runner.autoscaler.pluginConfig.groupName,
    runner: runnerKeyFor(runner),
    runnerName: runner.name,
  };
}
