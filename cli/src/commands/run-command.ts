import { ConfigError, loadConfig } from '@taskfleet/config';
import type { Config } from '@taskfleet/config';
import { pino } from 'pino';
import type { Logger } from 'pino';

import { connectRedis } from '../wiring/redis';
import { closeAll } from '../wiring/service';
import { startServices } from '../wiring/services';
import type { RunOptions } from './run-options';

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

function loggerFor(config: Config): Logger {
  // GitLab Runner's `panic` has no pino level; fatal is the closest.
  const level = config.logLevel === 'panic' ? 'fatal' : config.logLevel;
  return pino({ level }, pino.destination({ fd: 2, sync: false }));
}

/** Runs the asked services until SIGINT or SIGTERM; returns the process exit status. */
export async function runServices(options: RunOptions, writeLine: WriteLine): Promise<number> {
  const loaded = await loadOrReport(options.configPath, writeLine);
  if (loaded === undefined) {
    return configErrorExitCode;
  }
  const { config, warnings } = loaded;
  const logger = loggerFor(config);
  for (const warning of warnings) {
    logger.warn({ warning }, 'config warning');
  }
  const redis = await connectRedis(config.taskfleet.redisUrl);
  const services = await startServices(options.role, config, redis, logger).catch(
    async (error: unknown) => {
      await redis.quit();
      throw error;
    },
  );
  logger.info({ role: options.role, services: services.map(s => s.name) }, 'taskfleet started');
  const signal = await new Promise<NodeJS.Signals>(resolve => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info({ signal }, 'taskfleet stopping');
  const failures = await closeAll(services);
  await redis.quit();
  for (const failure of failures) {
    logger.error({ err: failure }, 'could not stop a service cleanly');
  }
  logger.info('taskfleet stopped');
  return failures.length === 0 ? 0 : 1;
}
