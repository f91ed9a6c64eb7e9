import { setTimeout as delay } from 'node:timers/promises';

import { pino } from 'pino';
import type { Logger } from 'pino';
import { Client } from 'ssh2';
import type { ConnectConfig } from 'ssh2';

import { FleetingError } from '../errors';
import type { ConnectInfo } from '../port/connector-config';
import { classifySshError } from './classify-ssh-error';
import { dialTargetOf } from './dial-target';
import type { DialTarget } from './dial-target';
import { SshConnection } from './ssh-connection';

/** How `dial()` connects and keeps the connection alive. */
export interface DialOptions {
  /** Aborting stops the dial at once: the socket is destroyed and the dial rejects `canceled`. */
  readonly signal?: AbortSignal;
  /**
   * Total time for all attempts, handshake and login included, before `connect_timeout`.
   * @defaultValue `info.timeoutMs`, else 60 000
   */
  readonly connectTimeoutMs?: number;
  /**
   * Interval between SSH keepalive requests; 0 disables keepalives.
   * @defaultValue `info.keepaliveMs`, else 30 000
   */
  readonly keepaliveIntervalMs?: number;
  /**
   * Unanswered keepalives tolerated: ssh2 declares the peer lost when the next one falls due,
   * i.e. `keepaliveIntervalMs × (keepaliveCountMax + 1)` after the last answer.
   * @defaultValue 3
   */
  readonly keepaliveCountMax?: number;
  /** Dial the external address when the instance has one. */
  readonly useExternalAddr?: boolean;
  readonly logger?: Logger;
}

const defaultConnectTimeoutMs = 60_000;
const defaultKeepaliveIntervalMs = 30_000;
const defaultKeepaliveCountMax = 3;

// Pause between attempts: short at first (sshd is often seconds from ready), then capped.
const firstRetryDelayMs = 100;
const maxRetryDelayMs = 1_000;

/**
 * Opens an authenticated SSH session to an instance, retrying refused, reset and timed-out
 * attempts (a booting instance does all three) until `connectTimeoutMs` runs out or `signal`
 * aborts; authentication and protocol failures end the dial at once. The host key is not
 * verified, as fleeting does not: providers supply no host keys.
 */
export async function dial(info: ConnectInfo, options: DialOptions): Promise<SshConnection> {
  if (info.protocol !== 'ssh') {
    throw new FleetingError(
      'unsupported',
      `could not dial instance ${info.id}: protocol is not ssh`,
      {
        instanceId: info.id,
      },
    );
  }
  if (info.key === undefined && info.password === undefined) {
    throw new FleetingError(
      'invalid_config',
      `could not dial instance ${info.id}: no credentials`,
      {
        instanceId: info.id,
      },
    );
  }
  const target = dialTargetOf(info, options.useExternalAddr ?? info.useExternalAddr ?? false);
  const logger = (options.logger ?? pino({ enabled: false })).child({ instanceId: info.id });
  const connectTimeoutMs = positiveOr(
    options.connectTimeoutMs ?? info.timeoutMs,
    defaultConnectTimeoutMs,
  );
  const keepalive = {
    intervalMs: options.keepaliveIntervalMs ?? info.keepaliveMs ?? defaultKeepaliveIntervalMs,
    countMax: options.keepaliveCountMax ?? defaultKeepaliveCountMax,
  };
  const deadline = Date.now() + connectTimeoutMs;
  let lastError: FleetingError | undefined;
  for (let attempt = 1; ; attempt += 1) {
    throwIfAborted(options.signal, info.id);
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) {
      throw timedOut(info.id, connectTimeoutMs, lastError);
    }
    try {
      const connection = await attemptOnce(info, target, remainingMs, keepalive, options, logger);
      logger.debug({ attempt }, 'ssh connection established');
      return connection;
    } catch (error) {
      const classified = classifySshError(error, 'dial', info.id);
      if (!classified.retryable) {
        throw classified;
      }
      lastError = classified;
      logger.debug({ attempt, code: classified.code }, 'ssh dial attempt failed');
    }
    const pauseMs = Math.min(firstRetryDelayMs * 2 ** (attempt - 1), maxRetryDelayMs);
    const waitMs = Math.min(pauseMs, Math.max(0, deadline - Date.now()));
    try {
      await delay(
        waitMs,
        undefined,
        options.signal === undefined ? {} : { signal: options.signal },
      );
    } catch (error) {
      throw classifySshError(error, 'dial', info.id);
    }
  }
}

/** Keeps a positive setting; 0 or absent means "use the default", as the runner treats it. */
function positiveOr(value: number | undefined, fallback: number): number {
  return value !== undefined && value > 0 ? value : fallback;
}

function throwIfAborted(signal: AbortSignal | undefined, instanceId: string): void {
  if (signal?.aborted === true) {
    throw canceled(instanceId, signal.reason);
  }
}

function canceled(instanceId: string, cause: unknown): FleetingError {
  return new FleetingError('canceled', `could not connect to instance ${instanceId}: aborted`, {
    instanceId,
    cause,
  });
}

function timedOut(
  instanceId: string,
  timeoutMs: number,
  cause: FleetingError | undefined,
): FleetingError {
  return new FleetingError(
    'connect_timeout',
    `could not connect to instance ${instanceId} within ${timeoutMs} ms`,
    { instanceId, cause },
  );
}

interface Keepalive {
  readonly intervalMs: number;
  readonly countMax: number;
}

/** One connect-handshake-login attempt, bounded by `readyTimeoutMs` and the abort signal. */
function attemptOnce(
  info: ConnectInfo,
  target: DialTarget,
  readyTimeoutMs: number,
  keepalive: Keepalive,
  options: DialOptions,
  logger: Logger,
): Promise<SshConnection> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let settled = false;
    const finish = (error: Error): void => {
      if (settled) {
        return;
      }
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      client.removeListener('ready', onReady);
      client.destroy();
      reject(error);
    };
    const onAbort = (): void => {
      finish(canceled(info.id, options.signal?.reason));
    };
    const onReady = (): void => {
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      client.removeListener('error', finish);
      client.removeListener('close', onClosedEarly);
      resolve(new SshConnection(client, info.id, logger));
    };
    const onClosedEarly = (): void => {
      finish(
        new FleetingError('connection_lost', 'could not connect: closed before login', {
          instanceId: info.id,
        }),
      );
    };
    client.on('ready', onReady);
    client.on('error', finish);
    client.on('close', onClosedEarly);
    // ssh2 can emit a second error while a failed attempt tears down; keep it from throwing.
    client.on('error', () => undefined);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    client.connect(connectConfig(info, target, readyTimeoutMs, keepalive));
  });
}

function connectConfig(
  info: ConnectInfo,
  target: DialTarget,
  readyTimeoutMs: number,
  keepalive: Keepalive,
): ConnectConfig {
  return {
    host: target.host,
    port: target.port,
    username: info.username,
    ...(info.key === undefined ? {} : { privateKey: info.key }),
    ...(info.password === undefined ? {} : { password: info.password }),
    readyTimeout: Math.max(1, Math.ceil(readyTimeoutMs)),
    keepaliveInterval: keepalive.intervalMs,
    keepaliveCountMax: keepalive.countMax,
    // Password logins only when a password was given; ssh2 would otherwise try keyboard-interactive.
    tryKeyboard: false,
  };
}
