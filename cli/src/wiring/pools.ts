import type { Config, RunnerConfig } from '@taskfleet/config';
import { runnerKeyFor } from '@taskfleet/job-queue';
import { SharedGroupDescriber, SharedStrayFinder } from '@taskfleet/provider-aws';
import type { AwsProviderSettings } from '@taskfleet/provider-aws';
import { RedisLaunchBucket, RoundRobinCreationBudget, startOffsetsMs } from '@taskfleet/scaler';
import type { PoolCreationBudget } from '@taskfleet/scaler';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';

import { CliError } from '../errors';
import { awsSettingsFor } from './instance-group';

/** What the pools of one process share, per AWS account and Region (B13, B59). */
export interface SharedPools {
  /** The describer of the runner's account and Region. */
  describerFor(runner: RunnerConfig): SharedGroupDescriber;
  /** The finder of tagged instances outside their groups, of the runner's account and Region. */
  strayFinderFor(runner: RunnerConfig): SharedStrayFinder;
  /** The runner's place in its account's round-robin creation budget. */
  creationBudgetFor(runner: RunnerConfig): PoolCreationBudget;
  /** The first-tick offset of the runner's scaler, spread by jitter over the update interval. */
  startOffsetMsFor(runner: RunnerConfig): number;
  /** Closes every describer's and finder's client; idempotent. */
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

interface Account {
  readonly describer: SharedGroupDescriber;
  readonly strayFinder: SharedStrayFinder;
  readonly runners: RunnerConfig[];
}

/**
 * Groups the runners by account and Region, each group with one shared describer (one batched
 * DescribeAutoScalingGroups a round, one throttling back-off), one shared stray finder (one
 * DescribeInstances by tag a sweep round) and one round-robin creation budget over the
 * account's launch bucket in Redis (`[taskfleet] account_launch_burst` and
 * `account_launches_per_second`, shared with every scaler process of the deployment), and
 * spreads their start offsets.
 */
export function sharedPools(
  config: Config,
  redis: Redis | Cluster,
  logger: Logger,
  random: () => number = Math.random,
  nowMs: number = Date.now(),
): SharedPools {
  const accounts = new Map<string, Account>();
  const accountOf = new Map<RunnerConfig, Account>();
  const spreadMs = Math.min(...config.runners.map(r => r.autoscaler.updateIntervalMs));
  // Twice the interval at first (a jittered half of it fixed), so a throttled round always
  // pushes the next ticks past their normal time, then doubling.
  const backoff = { random, baseMs: 2 * spreadMs };
  for (const runner of config.runners) {
    const settings = awsSettingsFor(config, runner, logger);
    const key = accountKeyOf(settings);
    let account = accounts.get(key);
    if (account === undefined) {
      account = {
        describer: SharedGroupDescriber.forSettings(settings, backoff),
        // One DescribeInstances by tag a sweep round for all the account's pools (B52, B59).
        strayFinder: SharedStrayFinder.forSettings(settings, backoff),
        runners: [],
      };
      accounts.set(key, account);
    }
    account.describer.register(settings.name);
    if (settings.ownerTags !== undefined) {
      account.strayFinder.register(settings.ownerTags);
    }
    account.runners.push(runner);
    accountOf.set(runner, account);
  }
  const budgets = new Map<Account, RoundRobinCreationBudget>();
  for (const [accountKey, account] of accounts) {
    const slowestMs = Math.max(...account.runners.map(r => r.autoscaler.updateIntervalMs));
    const bucket = new RedisLaunchBucket({
      redis,
      keyPrefix: config.taskfleet.keyPrefix,
      accountKey,
      limitPerSecond: config.taskfleet.accountLaunchesPerSecond,
      burst: config.taskfleet.accountLaunchBurst,
    });
    budgets.set(
      account,
      new RoundRobinCreationBudget({
        poolKeys: account.runners.map(runnerKeyFor),
        bucket,
        nowMs,
        wantTtlMs: 2 * slowestMs,
      }),
    );
  }
  const offsets = startOffsetsMs(config.runners.length, spreadMs, random);
  const find = (runner: RunnerConfig): Account => {
    const account = accountOf.get(runner);
    if (account === undefined) {
      throw new CliError('invalid_argument', 'could not find pools: runner not in the config');
    }
    return account;
  };
  return {
    describerFor: runner => find(runner).describer,
    strayFinderFor: runner => find(runner).strayFinder,
    creationBudgetFor(runner) {
      const budget = budgets.get(find(runner)) as RoundRobinCreationBudget;
      return { budget, poolKey: runnerKeyFor(runner) };
    },
    startOffsetMsFor: runner => offsets[config.runners.indexOf(runner)] ?? 0,
    close() {
      accounts.forEach(account => {
        account.describer.close();
        account.strayFinder.close();
      });
    },
  };
}
