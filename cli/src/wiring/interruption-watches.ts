import type { Config, RunnerConfig } from '@taskfleet/config';
import { ApiBackoff, SqsInterruptionQueue } from '@taskfleet/provider-aws';
import { InterruptionWatch } from '@taskfleet/scaler';
import type { InterruptionTarget, SpotHandoff } from '@taskfleet/scaler';
import type { Logger } from 'pino';

import { awsSettingsFor } from './instance-group';
import type { RunningService } from './service';

/** A runner's scaler with the runner it serves. */
export interface RunnerScaler {
  readonly runner: RunnerConfig;
  readonly scaler: InterruptionTarget;
}

/**
 * Starts one interruption watch per distinct `interruption_queue_url` (B50), serving every pool
 * that names it; the first such runner's AWS settings (region, profile, endpoint) reach the queue.
 * A warning none of its pools knows goes to `handoff`, for a pool of another process on the
 * same queue and Redis.
 */
export function startInterruptionWatches(
  config: Config,
  scalers: readonly RunnerScaler[],
  logger: Logger,
  handoff?: SpotHandoff,
): RunningService[] {
  const byQueue = new Map<string, RunnerScaler[]>();
  for (const entry of scalers) {
    const url = entry.runner.autoscaler.pluginConfig.interruptionQueueUrl;
    if (url !== null) {
      byQueue.set(url, [...(byQueue.get(url) ?? []), entry]);
    }
  }
  return [...byQueue].map(([queueUrl, entries]) => {
    const first = entries[0] as RunnerScaler;
    const aws = awsSettingsFor(config, first.runner, logger);
    const source = new SqsInterruptionQueue({
      queueUrl,
      ...(aws.region === undefined ? {} : { region: aws.region }),
      ...(aws.profile === undefined ? {} : { profile: aws.profile }),
      ...(aws.configFile === undefined ? {} : { configFile: aws.configFile }),
      ...(aws.credentialsFile === undefined ? {} : { credentialsFile: aws.credentialsFile }),
      ...(aws.endpoint === undefined ? {} : { endpoint: aws.endpoint }),
      ...(aws.clientOverrides === undefined ? {} : { clientOverrides: aws.clientOverrides }),
    });
    const watch = new InterruptionWatch({
      source,
      targets: entries.map(e => e.scaler),
      // A dropped connection or a throttled receive: retried after 1 s, doubling up to a minute.
      backoff: new ApiBackoff({ baseMs: 1_000, maxMs: 60_000 }),
      logger: logger.child({ component: 'interruption-watch', queueUrl }),
      ...(handoff === undefined ? {} : { handoff }),
    });
    watch.start();
    return {
      name: `interruption watch ${queueUrl}`,
      close: () => watch.close(),
    };
  });
}
