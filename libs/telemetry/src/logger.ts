import { pino } from 'pino';
import type { DestinationStream, Level, Logger } from 'pino';
import pretty from 'pino-pretty';

/** GitLab Runner's `log_format` values; `runner` and `json` write JSON lines here. */
export type ProcessLogFormat = 'runner' | 'text' | 'json';

/** How a `taskfleet run` process logs: level, format, what to redact and where to write. */
export interface ProcessLoggerOptions {
  readonly level: Level | 'silent';
  readonly format: ProcessLogFormat;
  /** Pino redact paths; each matching field is written as `[REDACTED]` in every format. */
  readonly redactPaths: readonly string[];
  /** A file descriptor (2, stderr, unless told) or a stream, e.g. one a test reads. */
  readonly destination?: number | DestinationStream;
  /** Colours for `text` (only worth it on a terminal). */
  readonly colorize?: boolean;
  /** Write each line before returning (tests, short commands); off for a long-running process. */
  readonly sync?: boolean;
}

/** The text written in place of a redacted field. */
export const redactedText = '[REDACTED]';

/**
 * Builds the one process logger: JSON lines for `json` and `runner`, and for `text` one
 * human-readable line per entry from pino-pretty, fields after the message. Redaction runs in
 * pino before either format sees the entry, so both write the same `[REDACTED]`.
 */
export function createProcessLogger(options: ProcessLoggerOptions): Logger {
  const destination = options.destination ?? 2;
  const sync = options.sync ?? false;
  const base = {
    level: options.level,
    redact: { paths: [...options.redactPaths], censor: redactedText },
  };
  if (options.format !== 'text') {
    const stream =
      typeof destination === 'number' ? pino.destination({ fd: destination, sync }) : destination;
    return pino(base, stream);
  }
  const stream = pretty({
    destination,
    sync,
    colorize: options.colorize ?? false,
    singleLine: true,
    translateTime: 'UTC:yyyy-mm-dd HH:MM:ss.l"Z"',
    ignore: 'pid,hostname',
  });
  return pino(base, stream);
}
