/** taskfleet config: GitLab Runner's `config.toml` plus taskfleet's settings as one frozen Config. */

import { readFile } from 'node:fs/promises';
import type { EnvironmentSource } from './environment';
import { processEnvironment } from './environment';
import { ConfigError } from './errors';
import { deepFreeze } from './freeze';
import { readConfig } from './schema/config';
import { newReadContext } from './schema/read-context';
import { isTomlError, parseToml } from './toml';
import type { Config } from './types';

/** Options of {@link parseConfig} and {@link loadConfig}. */
export interface ParseConfigOptions {
  /** Environment for the `TASKFLEET_*` overrides; the process environment when omitted. */
  readonly env?: EnvironmentSource;
  /** Name of the config's source in messages. @defaultValue `'config.toml'` (or the path) */
  readonly sourceName?: string;
  /** Zone of policies without `timezone`. @defaultValue the process's local zone */
  readonly localTimeZone?: string;
}

/** A parsed config and the warnings to log once (unknown keys, ignored settings). */
export interface ParsedConfig {
  /** The deeply frozen config. */
  readonly config: Config;
  /** Human-readable warnings; the first names every unknown key, if there are any. */
  readonly warnings: readonly string[];
}

function parseDocument(text: string, sourceName: string): Record<string, unknown> {
  try {
    // Integers as bigint keep `2` and `2.0` apart, as GitLab's Go TOML decoder does.
    return parseToml(text, { integersAsBigInt: true });
  } catch (error) {
    if (isTomlError(error)) {
      const reason = error.message.split('\n')[0]?.replace(/^Invalid TOML document: /, '') ?? '';
      const problem = { path: '', line: error.line, column: error.column };
      const message = `invalid TOML at line ${error.line}, column ${error.column}: ${reason}`;
      // No `cause`: smol-toml's message quotes the lines around the error, which may hold a
      // token, and a logged cause would print them. Line and column are kept instead.
      throw new ConfigError('config_invalid', sourceName, [{ ...problem, message }]);
    }
    throw error;
  }
}

/** Parses config.toml text into a frozen Config; throws one ConfigError listing every problem. */
export function parseConfig(text: string, options: ParseConfigOptions = {}): ParsedConfig {
  const sourceName = options.sourceName ?? 'config.toml';
  const document = parseDocument(text, sourceName);
  const ctx = newReadContext();
  const localTimeZone = options.localTimeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const config = readConfig(ctx, document, options.env ?? processEnvironment(), localTimeZone);
  if (config === undefined || ctx.problems.length > 0) {
    throw new ConfigError('config_invalid', sourceName, ctx.problems);
  }
  const warnings =
    ctx.unknownKeys.length === 0
      ? ctx.warnings
      : [`unknown keys ignored: ${ctx.unknownKeys.join(', ')}`, ...ctx.warnings];
  return deepFreeze({ config, warnings });
}

/** Reads and parses a config.toml file; throws ConfigError (`config_unreadable` if unreadable). */
export async function loadConfig(
  path: string,
  options: ParseConfigOptions = {},
): Promise<ParsedConfig> {
  const sourceName = options.sourceName ?? path;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    // Not `instanceof Error`: errors from node:fs may come from another realm (Jest's sandbox).
    const code =
      typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
    const reason = typeof code === 'string' ? code : 'read failed';
    throw new ConfigError(
      'config_unreadable',
      sourceName,
      [{ path: '', message: `could not read file (${reason})` }],
      {
        cause: error,
      },
    );
  }
  return parseConfig(text, { ...options, sourceName });
}

export { ConfigError, formatProblem } from './errors';
export type { ConfigErrorCode, ConfigProblem } from './errors';
export { taskfleetEnvironmentVariables } from './environment';
export type { EnvironmentSource } from './environment';
export { parseGoDuration } from './go-duration';
export type { GoDurationResult } from './go-duration';
export { redactConfig } from './redact';
export type { RedactedConfig } from './redact';
export type {
  Config,
  EncryptionKey,
  EnvironmentEntry,
  ListenAddress,
  LogFormat,
  LogLevel,
  RunnerConfig,
  RunnerFeatureFlags,
  Shell,
  TaskfleetConfig,
  TaskfleetTuning,
} from './types';
export type {
  AutoscalerConfig,
  AwsPluginConfig,
  ConnectorConfig,
  HistogramBucketsConfig,
  PolicyConfig,
  ScaleThrottleConfig,
} from './types-autoscaler';
export type { CacheConfig, S3AuthenticationType, S3CacheConfig } from './types-cache';
