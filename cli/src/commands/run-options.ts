import type { Config, ListenAddress } from '@taskfleet/config';
import { InvalidArgumentError } from 'commander';

import type { ServiceRole } from '../wiring/services';
import { serviceRoles } from '../wiring/services';

/** What `taskfleet run` was asked to do. */
export interface RunOptions {
  readonly role: ServiceRole;
  readonly configPath: string;
  /**
   * `--listen-address`: this process's metrics listener instead of the config's
   * `listen_address` (null: none), so roles sharing one config on one host do not collide.
   */
  readonly listenAddress?: ListenAddress | null;
}

/** Parses the `run` role argument; commander shows the message on a bad one. */
export function parseRole(value: string): ServiceRole {
  const role = serviceRoles.find(r => r === value);
  if (role === undefined) {
    throw new InvalidArgumentError(`expected one of ${serviceRoles.join(', ')}`);
  }
  return role;
}

/** The word `--listen-address` takes for "no listener in this process". */
export const listenAddressOff = 'off';

/**
 * Parses `--listen-address`: `host:port`, `[v6]:port`, `:port` (every interface, as GitLab's
 * `listen_address`) or `off`; commander shows the message on a bad one.
 */
export function parseListenAddressOption(value: string): ListenAddress | null {
  if (value === listenAddressOff) {
    return null;
  }
  const colon = value.lastIndexOf(':');
  const host = value.slice(0, colon);
  const portText = value.slice(colon + 1);
  const port = Number(portText);
  const bracketed = host.startsWith('[') && host.endsWith(']');
  const hostOk = bracketed || (host !== '' ? !/[[\]:]/.test(host) : true);
  if (colon < 0 || !/^\d{1,5}$/.test(portText) || port > 65535 || !hostOk) {
    throw new InvalidArgumentError('expected "host:port", ":port" or "off"');
  }
  return { host: bracketed ? host.slice(1, -1) : host, port };
}

/** The config with this process's command-line overrides applied (at start and each reload). */
export function withRunOverrides(config: Config, options: RunOptions): Config {
  if (options.listenAddress === undefined) {
    return config;
  }
  return Object.freeze({ ...config, listenAddress: options.listenAddress });
}
