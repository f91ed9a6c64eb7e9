import { hostname } from 'node:os';

import type { Config, RunnerConfig } from '@taskfleet/config';
import { createJobQueue, runnerKeyFor } from '@taskfleet/job-queue';
import type { JobQueue } from '@taskfleet/job-queue';
import { createRegistry } from '@taskfleet/registry';
import type { Registry } from '@taskfleet/registry';
import { Scaler } from '@taskfleet/scaler';
import type { DemandSource } from '@taskfleet/scaler';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

import { instanceGroupFor } from './instance-group';
import type { RunningService } from './service';
import type { ServiceTelemetry } from './service-telemetry';

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
): RunningService {
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
  const provider = instanceGroupFor(config, runner, runnerLogger);
  const watch = telemetry?.scalerObserver(() => current, registry);
  const scaler = new Scaler({
    holderId: `${hostname()}-${process.pid}`,
    settings: runner.autoscaler,
    provider,
    registry,
    demand: queueDemand(queue, registry),
    logger: runnerLogger,
    ...(watch === undefined ? {} : { observer: watch.observer }),
  });
  scaler.start();
  return {
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
}

/** Starts one scaler loop per `[[runners]]` entry on that runner's Auto Scaling Group. */
export function startScalers(
  config: Config,
  redis: Redis,
  logger: Logger,
  telemetry?: ServiceTelemetry,
): RunningService[] {
  // TODO(#4): many pools in one process (B13, B59) still each describe their own group every
  // tick, start at once and keep their own scale_throttle bucket; a shared batching describer,
  // jittered starts, throttling back-off and one round-robin creation bucket are not built.
  return config.runners.map(runner => startRunnerScaler(config, runner, redis, logger, telemetry));
}
