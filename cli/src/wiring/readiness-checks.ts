import { readFile } from 'node:fs/promises';

import type { Config } from '@taskfleet/config';
import type { ReadinessCheck } from '@taskfleet/telemetry';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

import { CliError } from '../errors';
import { awsGroupCheck } from './aws-check';
import { connectRedis } from './redis';

/** The shared Redis connection, opened by the readiness check once Redis answers (B53). */
export class RedisHolder {
  private connecting: Promise<Redis> | undefined;
  private connection: Redis | undefined;

  constructor(
    private readonly redisUrl: string,
    private readonly connect: (redisUrl: string) => Promise<Redis> = connectRedis,
  ) {}

  /** Connects if not yet connected (one attempt at a time), else pings the open connection. */
  async check(): Promise<void> {
    if (this.connection !== undefined) {
      await this.connection.ping();
      return;
    }
    this.connecting ??= this.connect(this.redisUrl).finally(() => {
      this.connecting = undefined;
    });
    this.connection = await this.connecting;
  }

  /** The connection the checks opened; throws before the redis check has passed. */
  redis(): Redis {
    if (this.connection === undefined) {
      throw new CliError('redis_unreachable', 'could not use redis: not connected yet');
    }
    return this.connection;
  }

  /** Closes the connection if one was opened. */
  async close(): Promise<void> {
    const pending = this.connecting;
    this.connecting = undefined;
    const connection = this.connection ?? (await pending?.catch(() => undefined));
    this.connection = undefined;
    await connection?.quit().catch(() => undefined);
  }
}

/** Throws a `not_ready` CliError naming the path and errno unless the key file reads non-empty. */
export async function readKeyFile(path: string): Promise<void> {
  let key: Buffer;
  try {
    key = await readFile(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new CliError(
      'not_ready',
      `could not read ssh key ${path} (${typeof code === 'string' ? code : 'read failed'})`,
      { cause: error, retryable: true },
    );
  }
  if (key.length === 0) {
    throw new CliError('not_ready', `could not use ssh key ${path}: file is empty`, {
      retryable: true,
    });
  }
}

/**
 * What must be in place before any job is taken (B53): Redis answers, every runner's
 * `connector_config.key_path` is a readable, non-empty file, and, with `aws` (the executor
 * roles, whose start describes each group), every runner's Auto Scaling Group answers.
 */
export function readinessChecksFor(
  config: Config,
  redis: RedisHolder,
  aws?: { readonly logger: Logger },
): ReadinessCheck[] {
  const checks: ReadinessCheck[] = [{ name: 'redis', check: () => redis.check() }];
  const keyPaths = new Set(
    config.runners.flatMap(r =>
      r.autoscaler.connector.keyPath === null ? [] : [r.autoscaler.connector.keyPath],
    ),
  );
  for (const path of keyPaths) {
    checks.push({ name: `ssh_key ${path}`, check: () => readKeyFile(path) });
  }
  if (aws !== undefined) {
    for (const runner of config.runners) {
      const check = awsGroupCheck(config, runner, aws.logger);
      // Runners sharing a group share its check.
      if (!checks.some(c => c.name === check.name)) {
        checks.push(check);
      }
    }
  }
  return checks;
}
