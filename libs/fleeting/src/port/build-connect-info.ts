import { FleetingError } from '../errors';
import { DEFAULT_PROTOCOL_PORTS } from './connector-config';
import type { ConnectInfo, ConnectorConfig, InstanceArch, InstanceOs } from './connector-config';

/** What a provider found out about one instance, to be merged with the connector settings. */
export interface DiscoveredInstance {
  readonly id: string;
  readonly internalAddr: string;
  readonly externalAddr?: string;
  /** The OS the cloud reports; `connector_config.os` wins over it. */
  readonly os?: InstanceOs;
  readonly arch?: InstanceArch;
  /** The image's default login (e.g. `ec2-user`); `connector_config.username` wins over it. */
  readonly defaultUsername?: string;
  /** Credentials the provider provisioned for this connection (a pushed key); win over static. */
  readonly key?: Buffer;
  readonly password?: string;
  readonly expiresAtMs?: number;
}

/**
 * Builds the ConnectInfo for one instance the way fleeting plugins do: connector settings
 * override what the cloud reports, the protocol follows the OS (winrm for windows), the port
 * the protocol, and credentials provisioned for this connection replace the static ones.
 */
export function buildConnectInfo(
  settings: ConnectorConfig,
  found: DiscoveredInstance,
): ConnectInfo {
  const os = settings.os ?? found.os ?? 'linux';
  const protocol = settings.protocol ?? (os === 'windows' ? 'winrm' : 'ssh');
  const username = settings.username ?? found.defaultUsername;
  if (username === undefined || username === '') {
    throw new FleetingError('invalid_config', `could not connect to ${found.id}: no username`, {
      instanceId: found.id,
    });
  }
  const key = found.key ?? settings.key;
  const password = found.password ?? settings.password;
  return {
    id: found.id,
    internalAddr: found.internalAddr,
    ...(found.externalAddr === undefined ? {} : { externalAddr: found.externalAddr }),
    os,
    arch: settings.arch ?? found.arch ?? 'amd64',
    protocol,
    protocolPort: settings.protocolPort ?? DEFAULT_PROTOCOL_PORTS[protocol],
    username,
    ...(key === undefined ? {} : { key }),
    ...(password === undefined ? {} : { password }),
    ...(found.expiresAtMs === undefined ? {} : { expiresAtMs: found.expiresAtMs }),
    ...(settings.keepaliveMs === undefined ? {} : { keepaliveMs: settings.keepaliveMs }),
    ...(settings.timeoutMs === undefined ? {} : { timeoutMs: settings.timeoutMs }),
    ...(settings.useExternalAddr === undefined
      ? {}
      : { useExternalAddr: settings.useExternalAddr }),
  };
}
