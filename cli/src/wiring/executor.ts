import type { Config, RunnerConfig } from '@taskfleet/config';
import { ExecutorWorker, S3CacheStore, runnerVersion, shortRunnerToken } from '@taskfleet/executor';
import type { CacheSettings } from '@taskfleet/executor';
import { GitlabClient, buildRunnerInfo, systemClock } from '@taskfleet/gitlab';
import { runnerKeyFor } from '@taskfleet/job-queue';
import { createRegistry } from '@taskfleet/registry';
import type { Tracer } from '@taskfleet/telemetry';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

import { instanceGroupFor } from './instance-group';
import type { RunningService } from './service';
import { executorSettingsFor } from './executor-settings';

async function startRunnerExecutor(
  config: Config,
  runner: RunnerConfig,
  redis: Redis,
  logger: Logger,
  tracer: Tracer | undefined,
): Promise<RunningService> {
  const runnerKey = runnerKeyFor(runner);
  const runnerLogger = logger.child({ runnerKey });
  const registry = createRegistry({
    redis,
    keyPrefix: config.taskfleet.keyPrefix,
    runnerKey,
    logger: runnerLogger,
  });
  // The executor only asks the group for connect info; the scaler owns its size.
  const instances = instanceGroupFor(config, runner, runnerLogger);
  // connectInfo() refuses to run before init(), which also checks that the group exists.
  await instances.init();
  const client = new GitlabClient({
    url: runner.url,
    logger: runnerLogger,
    runnerInfo: buildRunnerInfo({ version: runnerVersion, shell: runner.shell }),
  });
  const cacheStore = runner.cache === null ? undefined : new S3CacheStore(runner.cache.s3);
  const cache: CacheSettings | undefined =
    runner.cache === null || cacheStore === undefined
      ? undefined
      : {
          store: cacheStore,
          naming: {
            path: runner.cache.path,
            shared: runner.cache.shared,
            runnerShortToken: shortRunnerToken(runner.token),
          },
          maxUploadedArchiveSizeBytes: runner.cache.maxUploadedArchiveSizeBytes,
        };
  const worker = new ExecutorWorker({
    redis,
    keyPrefix: config.taskfleet.keyPrefix,
    runnerKey,
    registry,
    instances,
    client,
    payloadKey: config.taskfleet.payloadEncryptionKey.bytes(),
    clock: systemClock,
    logger: runnerLogger,
    buildsDir: runner.buildsDir,
    ...(tracer === undefined ? {} : { tracer }),
    ...(runner.id === null ? {} : { runnerId: runner.id }),
    ...(cache === undefined ? {} : { cache }),
    // An instance lost under a job leaves capacity at once (B45); the scaler replaces it.
    reportLostInstance: async (instanceId, jobId, reason) => {
      await registry.health.reportLost(instanceId, jobId, reason);
    },
    ...executorSettingsFor(config, runner),
  });
  await worker.start();
  let closing: Promise<void> | undefined;
  return {
    name: `executor ${runner.name}`,
    close() {
      closing ??= (async () => {
        await worker.close();
        cacheStore?.close();
        await instances.shutdown();
      })();
      return closing;
    },
    jobs: {
      runningJobs: () => worker.runningJobs(),
      abortRunning: reason => worker.abortRunning(reason),
    },
    reconfigure(next) {
      // builds_dir and the cache are refused on reload (reload-problems.ts); the rest applies.
      const same = next.runners.find(r => runnerKeyFor(r) === runnerKey);
      if (same !== undefined) {
        worker.reconfigure(executorSettingsFor(next, same));
      }
    },
  };
}

/** Starts one queue worker per `[[runners]]` entry that runs its jobs over SSH. */
export async function startExecutors(
  config: Config,
  redis: Redis,
  logger: Logger,
  tracer?: Tracer,
): Promise<RunningService[]> {
  const services: RunningService[] = [];
  for (const runner of config.runners) {
    services.push(await startRunnerExecutor(config, runner, redis, logger, tracer));
  }
  return services;
}
