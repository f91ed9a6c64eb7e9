import { z } from 'zod';
import type { Config, ListenAddress, LogLevel } from '../types';
import { oneOf, goDuration, tomlInt, tomlString } from './primitives';
import type { ReadContext } from './read-context';
import { joinPath, report } from './read-context';
import { orDefault } from './gitlab-zero';
import { readTable } from './read-table';

const globalSchema = z.object({
  concurrent: tomlInt(1),
  check_interval: tomlInt().optional(),
  log_level: tomlString().optional(),
  log_format: oneOf(['runner', 'text', 'json']).optional(),
  listen_address: tomlString().optional(),
  shutdown_timeout: tomlInt().optional(),
  connection_max_age: goDuration().optional(),
});

/** The global section after validation, before the runners and `[taskfleet]` are added. */
export type GlobalSettings = Omit<Config, 'runners' | 'taskfleet'>;

// GitLab reads levels with logrus, which also knows `warning` and `trace`, in any case.
const logLevels: ReadonlyMap<string, LogLevel> = new Map([
  ['panic', 'panic'],
  ['fatal', 'fatal'],
  ['error', 'error'],
  ['warn', 'warn'],
  ['warning', 'warn'],
  ['info', 'info'],
  ['debug', 'debug'],
  ['trace', 'trace'],
]);

const hostPort = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/;

function parseListenAddress(text: string): ListenAddress | undefined {
  const match = hostPort.exec(text);
  const port = Number(match?.[3]);
  if (match === null || port > 65535) {
    return undefined;
  }
  return { host: match[1] ?? match[2] ?? '', port };
}

/** Keys of the global section that hold sub-tables or are read elsewhere. */
const nestedKeys = ['runners', 'taskfleet', 'session_server'];

/** Reads GitLab Runner's global section. */
export function readGlobal(
  ctx: ReadContext,
  raw: Record<string, unknown>,
): GlobalSettings | undefined {
  const read = readTable(ctx, '', raw, globalSchema, nestedKeys);
  if (read === undefined) {
    return undefined;
  }
  const config = read.fields;
  let valid = read.value !== undefined;
  const logLevel = logLevels.get((config.log_level ?? 'info').toLowerCase());
  if (logLevel === undefined) {
    report(
      ctx,
      'log_level',
      `must be one of "debug", "info", "warn", "error", "fatal", "panic", got ${JSON.stringify(config.log_level)}`,
    );
    valid = false;
  }
  const listenAddress =
    config.listen_address === undefined ? null : parseListenAddress(config.listen_address);
  if (listenAddress === undefined) {
    report(
      ctx,
      joinPath('', 'listen_address'),
      `must be "host:port" or ":port", got ${JSON.stringify(config.listen_address)}`,
    );
    valid = false;
  }
  if (!valid || read.value === undefined || logLevel === undefined || listenAddress === undefined) {
    return undefined;
  }
  return {
    concurrent: read.value.concurrent,
    checkIntervalMs: orDefault(config.check_interval, 3) * 1000,
    logLevel,
    logFormat: config.log_format ?? 'runner',
    listenAddress,
    shutdownTimeoutMs: orDefault(config.shutdown_timeout, 30) * 1000,
    connectionMaxAgeMs: orDefault(config.connection_max_age, 15 * 60_000),
  };
}
