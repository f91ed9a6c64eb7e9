import type { Config } from '@taskfleet/config';
import { tokenRedactPaths } from '@taskfleet/gitlab';
import { createProcessLogger } from '@taskfleet/telemetry';
import type { DestinationStream, Logger } from 'pino';

/** Where the process logger writes: stderr unless a test passes its own stream. */
export interface ProcessLogTarget {
  readonly destination?: DestinationStream;
  readonly sync?: boolean;
}

/** The `taskfleet run` logger from `log_level` and `log_format`, token fields redacted. */
export function processLoggerFor(
  config: Pick<Config, 'logLevel' | 'logFormat'>,
  target: ProcessLogTarget = {},
): Logger {
  // GitLab Runner's `panic` has no pino level; fatal is the closest.
  const level = config.logLevel === 'panic' ? 'fatal' : config.logLevel;
  return createProcessLogger({
    level,
    format: config.logFormat,
    redactPaths: tokenRedactPaths,
    destination: target.destination ?? 2,
    sync: target.sync ?? false,
    // Colour only where a person reads stderr on a terminal, never in a file or a pipe.
    colorize: target.destination === undefined && process.stderr.isTTY,
  });
}
