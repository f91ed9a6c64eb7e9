import type { Config, RunnerConfig } from '@taskfleet/config';
import type { ExecutorSettings } from '@taskfleet/executor';

import { executorTuningFor } from './tuning';

/** A runner's executor settings that follow a config reload, with its worker concurrency. */
export function executorSettingsFor(
  config: Config,
  runner: RunnerConfig,
): ExecutorSettings & { readonly concurrency: number } {
  const { autoscaler } = runner;
  return {
    shell: runner.shell,
    outputLimitBytes: runner.outputLimitBytes,
    runnerVariables: runner.environment.map(entry => ({ key: entry.name, value: entry.value })),
    runnerScripts: {
      preGetSourcesScript: runner.preGetSourcesScript,
      postGetSourcesScript: runner.postGetSourcesScript,
      customBuildDirEnabled: runner.customBuildDirEnabled,
    },
    runnerDescription: runner.name,
    instanceAcquireTimeoutMs: autoscaler.instanceAcquireTimeoutMs,
    ...executorTuningFor(config),
    // Enough workers for every slot the group can ever offer, bounded by `concurrent`.
    concurrency: Math.max(
      1,
      Math.min(
        config.concurrent,
        (autoscaler.maxInstanceCount ?? config.concurrent) * autoscaler.capacityPerInstance,
      ),
    ),
  };
}
