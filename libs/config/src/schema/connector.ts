import { z } from 'zod';
import type { ConnectorConfig } from '../types-autoscaler';
import { goDuration, nonEmptyString, secretString, tomlBoolean, tomlInt } from './primitives';
import type { ReadContext } from './read-context';
import { joinPath, report } from './read-context';
import { readTable } from './read-table';

const connectorSchema = z.object({
  os: nonEmptyString().optional(),
  arch: nonEmptyString().optional(),
  protocol: nonEmptyString().optional(),
  protocol_port: tomlInt(0, 65535).optional(),
  username: nonEmptyString().optional(),
  password: secretString().optional(),
  key_path: nonEmptyString().optional(),
  use_static_credentials: tomlBoolean().optional(),
  keepalive: goDuration().optional(),
  timeout: goDuration().optional(),
  use_external_addr: tomlBoolean().optional(),
});

const defaultKeepaliveMs = 30_000;
const defaultTimeoutMs = 60_000;

/** Reads `[runners.autoscaler.connector_config]`; only SSH to Linux or macOS is served. */
export function readConnector(
  ctx: ReadContext,
  path: string,
  raw: unknown,
): ConnectorConfig | undefined {
  const read = readTable(ctx, path, raw ?? {}, connectorSchema);
  if (read === undefined) {
    return undefined;
  }
  const { fields: config, invalid } = read;
  let valid = read.value !== undefined;
  const os = config.os?.toLowerCase();
  if (os !== undefined && os !== 'linux' && os !== 'darwin') {
    report(
      ctx,
      joinPath(path, 'os'),
      `unsupported os ${JSON.stringify(config.os)}: jobs run in bash or sh over SSH, so use "linux" or "darwin"`,
    );
    valid = false;
  }
  if (config.protocol !== undefined && config.protocol !== 'ssh') {
    report(
      ctx,
      joinPath(path, 'protocol'),
      `unsupported protocol ${JSON.stringify(config.protocol)}: taskfleet connects over "ssh" only`,
    );
    valid = false;
  }
  const useStaticCredentials = config.use_static_credentials ?? false;
  const hasCredential =
    ['key_path', 'password'].some(key => invalid.has(key)) ||
    config.key_path !== undefined ||
    config.password !== undefined;
  if (useStaticCredentials && !hasCredential) {
    report(
      ctx,
      joinPath(path, 'use_static_credentials'),
      'use_static_credentials = true needs key_path or password: no credentials are provisioned then',
    );
    valid = false;
  }
  if (!valid) {
    return undefined;
  }
  return {
    os: os === 'linux' || os === 'darwin' ? os : null,
    arch: config.arch ?? null,
    protocol: 'ssh',
    protocolPort:
      config.protocol_port === undefined || config.protocol_port === 0 ? 22 : config.protocol_port,
    username: config.username ?? 'ec2-user',
    password: config.password ?? null,
    keyPath: config.key_path ?? null,
    useStaticCredentials,
    keepaliveMs: config.keepalive ?? defaultKeepaliveMs,
    timeoutMs:
      config.timeout === undefined || config.timeout === 0 ? defaultTimeoutMs : config.timeout,
    useExternalAddr: config.use_external_addr ?? false,
  };
}
