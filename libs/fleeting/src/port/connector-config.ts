/** The protocols a connector can speak to an instance. */
export type ConnectorProtocol = 'ssh' | 'winrm' | 'winrm+https';

/** The operating systems an instance can report (GOOS-style names, as fleeting uses). */
export type InstanceOs = 'linux' | 'windows' | 'darwin' | (string & {});

/** The CPU architectures an instance can report (GOARCH-style names, as fleeting uses). */
export type InstanceArch = 'amd64' | 'arm64' | '386' | (string & {});

/** The port each protocol listens on unless `protocolPort` says otherwise. */
export const DEFAULT_PROTOCOL_PORTS: Readonly<Record<ConnectorProtocol, number>> = Object.freeze({
  ssh: 22,
  winrm: 5985,
  'winrm+https': 5986,
});

/**
 * How to reach instances, as `[runners.autoscaler.connector_config]` gives it; providers start
 * from it and fill in what they know. Every field is optional because each may come from either.
 */
export interface ConnectorConfig {
  readonly os?: InstanceOs;
  readonly arch?: InstanceArch;
  readonly protocol?: ConnectorProtocol;
  /** TCP port of the protocol; the protocol's default port when absent. */
  readonly protocolPort?: number;
  readonly username?: string;
  /** A static password (WinRM, or SSH password login). A secret: never log it. */
  readonly password?: string;
  /** A private key in OpenSSH or PEM format. A secret: never log it. */
  readonly key?: Buffer;
  /** When true the provider must not provision credentials of its own (no pushed keys). */
  readonly useStaticCredentials?: boolean;
  /** Interval between connection keepalives; 0 disables them. */
  readonly keepaliveMs?: number;
  /** How long a dial keeps retrying before it fails with `connect_timeout`. */
  readonly timeoutMs?: number;
  /** Connect to the external address when the instance has one. */
  readonly useExternalAddr?: boolean;
}

/** Everything needed to open a connection to one instance, from `InstanceGroup.connectInfo`. */
export interface ConnectInfo {
  readonly id: string;
  /** The address inside the network, as `host` or `host:port`. */
  readonly internalAddr: string;
  /** The public address, as `host` or `host:port`, when the instance has one. */
  readonly externalAddr?: string;
  readonly os: InstanceOs;
  readonly arch: InstanceArch;
  readonly protocol: ConnectorProtocol;
  /** Port used when the chosen address carries none. */
  readonly protocolPort: number;
  readonly username: string;
  /** A private key for the login. A secret: never log it. */
  readonly key?: Buffer;
  /** A password for the login. A secret: never log it. */
  readonly password?: string;
  /** Epoch ms after which the credentials stop working for new logins (pushed keys). */
  readonly expiresAtMs?: number;
  /** Keepalive interval `dial()` uses unless told otherwise; 0 disables keepalives. */
  readonly keepaliveMs?: number;
  /** Connect timeout `dial()` uses unless told otherwise; 0 means the connector's default. */
  readonly timeoutMs?: number;
  /** Whether `dial()` prefers the external address unless told otherwise. */
  readonly useExternalAddr?: boolean;
}

/** A copy of `info` that is safe to log: credentials replaced by whether they are present. */
export function redactConnectInfo(
  info: ConnectInfo,
): Omit<ConnectInfo, 'key' | 'password'> & { hasKey: boolean; hasPassword: boolean } {
  const { key, password, ...rest } = info;
  return { ...rest, hasKey: key !== undefined, hasPassword: password !== undefined };
}
