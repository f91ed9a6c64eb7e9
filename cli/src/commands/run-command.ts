import { ConfigError, loadConfig } from '@taskfleet/config';
import type { Config } from '@taskfleet/config';
import { StopSignalTracker } from '@taskfleet/emulator-launcher';
import type { Logger } from 'pino';
import { TelemetryError, startTracing } from '@taskfleet/telemetry';
import type { ReadinessReport, Tracing, TracingEnvironment } from '@taskfleet/telemetry';

import { drainJobs } from '../wiring/drain-jobs';
import { readinessChecksFor, RedisHolder } from '../wiring/readiness-checks';
import { closeAll } from '../wiring/service';
import type { RunningService } from '../wiring/service';
import { startServices } from '../wiring/services';
import { processLoggerFor } from '../wiring/process-logger';
import { startProcessTelemetry } from '../wiring/telemetry';
import { exitAtOnce, exitNow } from './exit-at-once';
import { reloadConfig } from './reload-config';
import type { RunOptions } from './run-options';
import { withRunOverrides } from './run-options';

/** Exit status of a config that cannot be used (nothing was started). */
export const configErrorExitCode = 2;

/** Where the command writes what a person must read (stderr in main.ts). */
export type WriteLine = (line: string) => void;

/** Loads the config; on a ConfigError prints every problem and returns undefined. */
export async function loadOrReport(
  configPath: string,
  writeLine: WriteLine,
): Promise<{ config: Config; warnings: readonly string[] } | undefined> {
  try {
    return await loadConfig(configPath);
  } catch (error) {
    if (error instanceof ConfigError) {
      writeLine(error.message);
      return undefined;
    }
    throw error;
  }
}

/** How often the start-up gate looks again at a missing dependency. */
export const readinessIntervalMs = 1_000;

/**
 * How long one round of start-up checks waits for answers before it reports the silent ones as
 * missing (they keep running): one hung dependency must not hide the others' results.
 */
export const readinessAnswerWithinMs = 10_000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/** How often the start-up gate repeats its warning while the same dependencies stay missing. */
export const waitingReminderMs = 30_000;

/**
 * Logs the missing dependencies each time the set changes, and again every
 * `waitingReminderMs` while it stays the same, so a log tail shows the process still waits.
 */
export function waitingLogger(
  logger: Logger,
  nowMs: () => number = Date.now,
): (report: ReadinessReport) => void {
  let last = '';
  let sinceMs = 0;
  let loggedAtMs = 0;
  return report => {
    const missing = report.checks.filter(c => !c.ok);
    const key = missing.map(c => c.name).join('\n');
    const atMs = nowMs();
    if (key !== last) {
      last = key;
      sinceMs = atMs;
    } else if (key === '' || atMs - loggedAtMs < waitingReminderMs) {
      return;
    }
    loggedAtMs = atMs;
    if (key === '') {
      return;
    }
    logger.warn(
      {
        missing: missing.map(c => ({ name: c.name, reason: c.reason })),
        waitingForMs: atMs - sinceMs,
      },
      'waiting for dependencies',
    );
  };
}

/** The signals that stop `taskfleet run`; SIGQUIT waits for running jobs without a limit. */
const stopSignals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGQUIT'];

/**
 * How long running jobs may take to end after a stop signal: GitLab Runner's graceful SIGQUIT
 * waits for them, SIGTERM and SIGINT (ECS, systemd, Ctrl-C) up to `shutdown_timeout`.
 */
export function drainLimitMs(signal: NodeJS.Signals | undefined, config: Config): number {
  return signal === 'SIGQUIT' ? Infinity : config.shutdownTimeoutMs;
}

/**
 * Runs the asked services until SIGINT, SIGTERM or SIGQUIT; returns the process exit status.
 * Nothing starts before the readiness checks pass (B53); SIGHUP reloads the config (B48). On
 * stop, running jobs get `drainLimitMs` to end before they are aborted; a second stop signal
 * exits at once. `env` holds the `OTEL_*` tracing switches (main.ts passes the process
 * environment).
 */
export async function runServices(
  options: RunOptions,
  writeLine: WriteLine,
  env: TracingEnvironment = {},
): Promise<number> {
  const loaded = await loadOrReport(options.configPath, writeLine);
  if (loaded === undefined) {
    return configErrorExitCode;
  }
  const { warnings } = loaded;
  let config = withRunOverrides(loaded.config, options);
  const logger = processLoggerFor(config);
  for (const warning of warnings) {
    logger.warn({ warning }, 'config warning');
  }
  let tracing: Tracing;
  try {
    tracing = startTracing({
      serviceName: `taskfleet-${options.role}`,
      endpoint: config.taskfleet.telemetryEndpoint,
      env,
      logger,
    });
  } catch (error) {
    if (error instanceof TelemetryError) {
      writeLine(error.message);
      return configErrorExitCode;
    }
    throw error;
  }
  logger.info({ enabled: tracing.enabled, destination: tracing.destination }, 'tracing set up');
  const stop = new AbortController();
  let stopSignal: NodeJS.Signals | undefined;
  const signals = new StopSignalTracker();
  const onStop = (signal: NodeJS.Signals): void => {
    const meaning = signals.meaningOf(signal);
    if (meaning === 'same-stop') {
      // A wrapper forwarding the group's signal again: the same stop, the drain goes on.
      return;
    }
    if (meaning === 'exit-now') {
      exitAtOnce(signal, logger);
      return;
    }
    stopSignal = signal;
    stop.abort();
  };
  for (const signal of stopSignals) {
    process.on(signal, onStop);
  }
  const removeStopHandlers = (): void => {
    for (const signal of stopSignals) {
      process.off(signal, onStop);
    }
  };
  // Reloads run one at a time, each from the config the last one left in force. The handler is
  // in place from the start: Node's default for SIGHUP would end the process.
  let running: RunningService[] | undefined = undefined;
  let reloading = Promise.resolve();
  const onReload = (): void => {
    const services = running;
    if (services === undefined) {
      logger.warn({}, 'config reload ignored before start-up');
      return;
    }
    reloading = reloading.then(async () => {
      config = await reloadConfig({
        configPath: options.configPath,
        current: config,
        override: next => withRunOverrides(next, options),
        services,
        telemetry,
        logger,
      });
    });
  };
  process.on('SIGHUP', onReload);
  const redisHolder = new RedisHolder(config.taskfleet.redisUrl);
  const telemetry = await startProcessTelemetry({
    config,
    // The executor's start describes every group; `run scaler` retries that in its own loop.
    checks: readinessChecksFor(
      config,
      redisHolder,
      options.role === 'executor' || options.role === 'all' ? { logger } : undefined,
    ),
    logger,
    tracing,
  });
  const ready = await telemetry.gate.waitUntilReady({
    intervalMs: readinessIntervalMs,
    answerWithinMs: readinessAnswerWithinMs,
    sleep,
    signal: stop.signal,
    onWaiting: waitingLogger(logger),
  });
  if (!ready) {
    process.off('SIGHUP', onReload);
    removeStopHandlers();
    logger.info({ signal: stopSignal }, 'taskfleet stopped before it was ready');
    await redisHolder.close();
    await telemetry.close();
    return 0;
  }
  const redis = redisHolder.redis();
  const services = await startServices(
    options.role,
    config,
    redis,
    logger,
    telemetry.services,
  ).catch(async (error: unknown) => {
    process.off('SIGHUP', onReload);
    removeStopHandlers();
    await redisHolder.close();
    await telemetry.close();
    throw error;
  });
  running = services;
  telemetry.servicesStarted();
  logger.info({ role: options.role, services: services.map(s => s.name) }, 'taskfleet started');
  if (!stop.signal.aborted) {
    await new Promise(resolve => {
      stop.signal.addEventListener('abort', resolve);
    });
  }
  process.off('SIGHUP', onReload);
  logger.info({ signal: stopSignal }, 'taskfleet stopping');
  telemetry.gate.setCondition('services', 'stopping');
  await reloading;
  // The executors stop taking jobs at once and get the limit for theirs, while the other parts
  // close in order (the poller first); closeAll then waits on the same executor closes.
  const drained = drainJobs({
    services,
    limitMs: drainLimitMs(stopSignal, config),
    signal: stopSignal ?? 'SIGTERM',
    logger,
    nowMs: Date.now,
    sleep,
  });
  const closing = closeAll(services);
  if ((await drained).overran) {
    // Stored final states are in their outboxes; another executor's recovery delivers them.
    exitNow(1, logger);
  }
  const failures = await closing;
  removeStopHandlers();
  await redisHolder.close();
  await telemetry.close();
  for (const failure of failures) {
    logger.error({ err: failure }, 'could not stop a service cleanly');
  }
  logger.info('taskfleet stopped');
  return failures.length === 0 ? 0 : 1;
}
