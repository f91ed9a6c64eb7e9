import { hostname } from 'node:os';

import type { Config, RunnerConfig } from '@taskfleet/config';
import { createJobQueue, runnerKeyFor } from '@taskfleet/job-queue';
import type { JobQueue } from '@taskfleet/job-queue';
import { createRegistry } from '@taskfleet/registry';
import type { Registry } from '@taskfleet/registry';
import { RedisSpotHandoff, Scaler } from '@taskfleet/scaler';
import type { DemandSource, SpotHandoff } from '@taskfleet/scaler';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

import { instanceGroupFor } from './instance-group';
import { startInterruptionWatches } from './interruption-watches';
import type { RunnerScaler } from './interruption-watches';
import { sharedPools } from './pools';
import type { SharedPools } from './pools';
import type { RunningService } from './service';
import type { ServiceTelemetry } from './service-telemetry';
import { scalerTuningFor } from './tuning';

/**
 * Demand the registry does not already count: queued jobs beyond the registry's pending ones
 * (the poller turns each accepted job into pending demand, so counting both would double it).
 */
export function queueDemand(queue: JobQueue, registry: Pick<Registry, 'snapshot'>): DemandSource {
  return {
    async queuedJobCount() {
      const [counts, snapshot] = await Promise.all([
        queue.queue.getJobCounts('waiting', 'prioritized', 'delayed'),
        registry.snapshot(),
      ]);
      const queued = (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0);
      return Math.max(0, queued - snapshot.pendingJobs);
    },
  };
}

function startRunnerScaler(
  config: Config,
  runner: RunnerConfig,
  redis: Redis,
  logger: Logger,
  telemetry: ServiceTelemetry | undefined,
  pools: SharedPools,
  spotHandoff: SpotHandoff,
): { readonly service: RunningService; readonly watched: RunnerScaler } {
  const runnerKey = runnerKeyFor(runner);
  let current = runner;
  const runnerLogger = logger.child({ runnerKey });
  const registry = createRegistry({
    redis,
    keyPrefix: config.taskfleet.keyPrefix,
    runnerKey,
    logger: runnerLogger,
  });
  const queue = createJobQueue({
    connection: redis,
    prefix: config.taskfleet.keyPrefix,
    runnerKey,
  });
  const describer = pools.describerFor(runner);
  const provider = instanceGroupFor(
    config,
    runner,
    runnerLogger,
    describer,
    pools.strayFinderFor(runner),
  );
  const watch = telemetry?.scalerObserver(() => current, registry);
  const scaler = new Scaler({
    holderId: `${hostname()}-${process.pid}`,
    settings: runner.autoscaler,
    provider,
    registry,
    demand: queueDemand(queue, registry),
    logger: runnerLogger,
    startOffsetMs: pools.startOffsetMsFor(runner),
    accountBackoff: describer.backoff,
    creationBudget: pools.creationBudgetFor(runner),
    ...scalerTuningFor(config),
    ...(watch === undefined ? {} : { observer: watch.observer }),
    ...(telemetry === undefined ? {} : { tracer: telemetry.tracer }),
    pool: { group: runner.autoscaler.pluginConfig.groupName, runnerKey },
    spotHandoff,
  });
  scaler.start();
  const service: RunningService = {
    name: `scaler ${runner.name}`,
    async close() {
      await scaler.close();
      watch?.stopped();
      await queue.close();
      await provider.shutdown();
    },
    reconfigure(next) {
      // The same loop takes the new settings: one planner per group and runner key (B48).
      const same = next.runners.find(r => runnerKeyFor(r) === runnerKey);
      if (same !== undefined) {
        current = same;
        scaler.reconfigure(same.autoscaler);
      }
    },
  };
  return { service, watched: { runner, scaler } };
}

/**
 * Starts one scaler loop per `[[runners]]` entry on that runner's Auto Scaling Group; the pools
 * of one account share one batched describer and its throttling back-off, and start at
 * jittered offsets (B59).
 */
export function startScalers(
  config: Config,
  redis: Redis,
  logger: Logger,
  telemetry?: ServiceTelemetry,
  random: () => number = Math.random,
): RunningService[] {
  const pools = sharedPools(config, redis, logger, random);
  // Spot warnings of instances that a watch's own pools do not know, for the pools (here or in
  // another process on this Redis and queue) that do.
  const spotHandoff = new RedisSpotHandoff({ redis, keyPrefix: config.taskfleet.keyPrefix });
  const started = config.runners.map(runner =>
    startRunnerScaler(config, runner, redis, logger, telemetry, pools, spotHandoff),
  );
  const scalers = started.map(s => s.service);
  // After the scalers in the list, so closeAll (reverse order) stops the watches first.
  const watches = startInterruptionWatches(
    config,
    started.map(s => s.watched),
    logger,
    spotHandoff,
  );
  // First in the list, so closeAll (reverse order) closes it after every scaler that uses it.
  return [
    {
      name: 'scaler pools',
      close() {
        pools.close();
        return Promise.resolve();
      },
    },
    ...scalers,
    ...watches,
  ];
}
