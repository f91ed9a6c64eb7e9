import type { Config, RunnerConfig } from '@taskfleet/config';
import { SharedGroupDescriber } from '@taskfleet/provider-aws';
import type { AwsProviderSettings } from '@taskfleet/provider-aws';
import { startOffsetsMs } from '@taskfleet/scaler';
import type { Logger } from 'pino';

import { CliError } from '../errors';
import { awsSettingsFor } from './instance-group';

/** What the pools of one process share, per AWS account and Region (B13, B59). */
export interface SharedPools {
  /** The describer of the runner's account and Region. */
  describerFor(runner: RunnerConfig): SharedGroupDescriber;
  /** The first-tick offset of the runner's scaler, spread by jitter over the update interval. */
  startOffsetMsFor(runner: RunnerConfig): number;
  /** Closes every describer's client; idempotent. */
  close(): void;
}

/** The pools that may share one Auto Scaling client: same Region, credentials and endpoint. */
export function accountKeyOf(settings: AwsProviderSettings): string {
  return JSON.stringify([
    settings.region ?? null,
    settings.profile ?? null,
    settings.configFile ?? null,
    settings.credentialsFile ?? null,
    settings.endpoint ?? null,
  ]);
}

/**
 * Groups the runners by account and Region, each group with one shared describer (one batched
 * DescribeAutoScalingGroups a round, one throttling back-off), and spreads their start offsets.
 */
export function sharedPools(
  config: Config,
  logger: Logger,
  random: () => number = Math.random,
): SharedPools {
  const describers = new Map<string, SharedGroupDescriber>();
  const byRunner = new Map<RunnerConfig, SharedGroupDescriber>();
  const spreadMs = Math.min(...config.runners.map(r => r.autoscaler.updateIntervalMs));
  // Twice the interval at first (a jittered half of it fixed), so a throttled round always
  // pushes the next ticks past their normal time, then doubling.
  const backoff = { random, baseMs: 2 * spreadMs };
  for (const runner of config.runners) {
    const settings = awsSettingsFor(config, runner, logger);
    const key = accountKeyOf(settings);
    let describer = describers.get(key);
    if (describer === undefined) {
      describer = SharedGroupDescriber.forSettings(settings, backoff);
      describers.set(key, describer);
    }
    describer.register(settings.name);
    byRunner.set(runner, describer);
  }
  const offsets = startOffsetsMs(config.runners.length, spreadMs, random);
  return {
    describerFor(runner) {
      const describer = byRunner.get(runner);
      if (describer === undefined) {
        throw new CliError('invalid_argument', 'could not find pools: runner not in the config');
      }
      return describer;
    },
    startOffsetMsFor(runner) {
      return offsets[config.runners.indexOf(runner)] ?? 0;
    },
    close() {
      describers.forEach(describer => {
        describer.close();
      });
    },
  };
}
