import { ConfigError, formatProblem, loadConfig } from '@taskfleet/config';
import type { Config } from '@taskfleet/config';
import type { Logger } from 'pino';

import { configChanges } from '../wiring/config-changes';
import { reloadProblems } from '../wiring/reload-problems';
import type { RunningService } from '../wiring/service';
import type { ProcessTelemetry } from '../wiring/telemetry';

/**
 * Re-reads config.toml (SIGHUP) and hands it to the running services (B48); on any problem
 * keeps the config in force, logs every problem in one error line and counts the failure.
 * Returns the config in force afterwards.
 */
export async function reloadConfig(input: {
  readonly configPath: string;
  readonly current: Config;
  /** The command line's overrides (`--listen-address`), applied to the file as at start-up. */
  readonly override?: (next: Config) => Config;
  readonly services: readonly RunningService[];
  readonly telemetry: ProcessTelemetry;
  readonly logger: Logger;
}): Promise<Config> {
  const { logger, telemetry } = input;
  const refuse = (problems: readonly string[]): Config => {
    telemetry.metrics.reloadFailed();
    logger.error({ configPath: input.configPath, problems }, 'config reload failed');
    return input.current;
  };
  let next: Config;
  try {
    const loaded = await loadConfig(input.configPath);
    next = input.override?.(loaded.config) ?? loaded.config;
    for (const warning of loaded.warnings) {
      logger.warn({ warning }, 'config warning');
    }
  } catch (error) {
    if (ConfigError.is(error)) {
      return refuse(error.problems.map(formatProblem));
    }
    return refuse([error instanceof Error ? error.message : String(error)]);
  }
  const problems = reloadProblems(input.current, next);
  if (problems.length > 0) {
    return refuse(problems);
  }
  try {
    for (const service of input.services) {
      service.reconfigure?.(next);
    }
  } catch (error) {
    // reloadProblems rules out every known refusal; a service that still refuses keeps its old
    // settings, so the process may run a mix until the next good reload or a restart.
    logger.error({ err: error }, 'config reload failed in a service');
    telemetry.metrics.reloadFailed();
    return input.current;
  }
  telemetry.useConfig(next);
  telemetry.metrics.reloaded();
  logger.info(
    {
      configPath: input.configPath,
      // Paths only, never values: a rotated token shows as `runners[0].token` and nothing more.
      changed: configChanges(input.current, next),
      applied: input.services.filter(s => s.reconfigure !== undefined).map(s => s.name),
    },
    'config reloaded',
  );
  return next;
}
