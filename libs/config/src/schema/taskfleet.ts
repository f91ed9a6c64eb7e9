import { z } from 'zod';
import type { EnvironmentSource } from '../environment';
import { taskfleetEnvironmentVariables } from '../environment';
import type { EncryptionKey, TaskfleetConfig } from '../types';
import { secretString, tomlString } from './primitives';
import type { ReadContext } from './read-context';
import { isTable, joinPath, report } from './read-context';
import { readTable } from './read-table';
import { taskfleetTuningShape, tuningOf } from './taskfleet-tuning';

const taskfleetSchema = z.object({
  redis_url: tomlString().optional(),
  key_prefix: tomlString().optional(),
  payload_encryption_key: secretString().optional(),
  telemetry_endpoint: tomlString().optional(),
  aws_endpoint_url: tomlString().optional(),
  aws_region: tomlString().optional(),
  cluster_id: tomlString().optional(),
  ...taskfleetTuningShape,
});

// What EC2 accepts as a tag value; the cluster id is written into launch templates as one.
const tagValuePattern = /^[\p{L}\p{Z}\p{N}+\-=._:/@]{1,256}$/u;

type Key = keyof typeof taskfleetEnvironmentVariables;

/** Text shown instead of a secret. */
export const redactedText = '[redacted]';

/** Wraps 32 key bytes so that JSON and string forms never show them. */
export function encryptionKey(bytes: Uint8Array): EncryptionKey {
  const kept = Buffer.from(bytes);
  return {
    byteLength: kept.length,
    bytes: () => Buffer.from(kept),
    toJSON: () => redactedText,
    toString: () => redactedText,
  };
}

function decodeKey(text: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(text)) {
    return Buffer.from(text, 'hex');
  }
  if (/^[A-Za-z0-9+/]{43}=?$/.test(text) || /^[A-Za-z0-9_-]{43}=?$/.test(text)) {
    const bytes = Buffer.from(text, 'base64');
    return bytes.length === 32 ? bytes : undefined;
  }
  return undefined;
}

function isUrlWith(text: string, protocols: readonly string[]): boolean {
  return (
    URL.canParse(text) &&
    protocols.includes(new URL(text).protocol) &&
    new URL(text).hostname !== ''
  );
}

/** Reads `[taskfleet]`, letting each `TASKFLEET_*` variable that is set and not empty win. */
export function readTaskfleet(
  ctx: ReadContext,
  raw: unknown,
  env: EnvironmentSource,
): TaskfleetConfig | undefined {
  const problemsBefore = ctx.problems.length;
  // A bad key in the table must not hide problems of the environment variables.
  const table = readTable(ctx, 'taskfleet', raw ?? {}, taskfleetSchema)?.fields ?? {};
  const setting = (key: Key): { value: string | undefined; path: string } => {
    const name = taskfleetEnvironmentVariables[key];
    const fromEnv = env[name];
    return fromEnv !== undefined && fromEnv !== ''
      ? { value: fromEnv, path: `$${name}` }
      : { value: table[key], path: joinPath('taskfleet', key) };
  };
  const url = (key: Key, protocols: readonly string[], what: string): string | null => {
    const { value, path } = setting(key);
    if (value !== undefined && !isUrlWith(value, protocols)) {
      report(ctx, path, `must be ${what}`);
    }
    return value ?? null;
  };
  const redisUrl =
    url('redis_url', ['redis:', 'rediss:'], 'a redis:// or rediss:// URL') ??
    'redis://127.0.0.1:6379';
  const telemetryEndpoint = url(
    'telemetry_endpoint',
    ['http:', 'https:'],
    'an http:// or https:// OTLP endpoint URL',
  );
  const awsEndpointUrl = url('aws_endpoint_url', ['http:', 'https:'], 'an http:// or https:// URL');
  const prefix = setting('key_prefix');
  if (prefix.value !== undefined && !/^[^\s{}]+$/.test(prefix.value)) {
    report(
      ctx,
      prefix.path,
      'must be non-empty without spaces or braces (the registry adds its own {hash tags})',
    );
  }
  const region = setting('aws_region');
  if (region.value !== undefined && !/^[a-z0-9]+(-[a-z0-9]+)+$/.test(region.value)) {
    report(
      ctx,
      region.path,
      `must be an AWS region name such as "eu-central-1", got ${JSON.stringify(region.value)}`,
    );
  }
  const cluster = setting('cluster_id');
  if (cluster.value !== undefined && !tagValuePattern.test(cluster.value)) {
    report(
      ctx,
      cluster.path,
      'must be an EC2 tag value of 1-256 letters, digits, spaces and + - = . _ : / @',
    );
  }
  const keyText = setting('payload_encryption_key');
  const keyBytes = keyText.value === undefined ? undefined : decodeKey(keyText.value);
  // A key present in the table but of the wrong type was reported by readTable already.
  const keyWritten = isTable(raw) && raw.payload_encryption_key !== undefined;
  if (keyText.value === undefined && !keyWritten) {
    report(
      ctx,
      `$${taskfleetEnvironmentVariables.payload_encryption_key}`,
      'is required (or [taskfleet] payload_encryption_key): 32 random bytes as base64 or hex, ' +
        'e.g. from `openssl rand -base64 32`',
    );
  } else if (keyText.value !== undefined && keyBytes === undefined) {
    report(
      ctx,
      keyText.path,
      'must be 32 bytes written as base64 (44 characters) or hex (64 characters), ' +
        `got ${keyText.value.length} characters`,
    );
  }
  if (ctx.problems.length > problemsBefore || keyBytes === undefined) {
    return undefined;
  }
  return {
    redisUrl,
    keyPrefix: prefix.value ?? 'taskfleet',
    payloadEncryptionKey: encryptionKey(keyBytes),
    telemetryEndpoint,
    awsEndpointUrl,
    awsRegion: region.value ?? null,
    clusterId: cluster.value ?? null,
    ...tuningOf(table),
  };
}
