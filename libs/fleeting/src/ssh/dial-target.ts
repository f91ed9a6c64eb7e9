import { FleetingError } from '../errors';
import type { ConnectInfo } from '../port/connector-config';

/** Where a dial goes: one host and TCP port. */
export interface DialTarget {
  readonly host: string;
  readonly port: number;
}

/** Splits `host`, `host:port` or `[v6]:port`; a bare IPv6 address carries no port. */
function splitAddress(address: string): { host: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(address);
  if (bracketed !== null) {
    const [, host = '', port] = bracketed;
    return port === undefined ? { host } : { host, port: Number(port) };
  }
  const parts = address.split(':');
  if (parts.length === 2 && /^\d+$/.test(parts[1] ?? '')) {
    return { host: parts[0] ?? '', port: Number(parts[1]) };
  }
  return { host: address };
}

/**
 * Picks the address to dial: the external one when asked for and present, else the internal
 * one (as fleeting does); the port comes from the address or else from `protocolPort`.
 */
export function dialTargetOf(info: ConnectInfo, useExternalAddr: boolean): DialTarget {
  const external = info.externalAddr ?? '';
  const address = useExternalAddr && external !== '' ? external : info.internalAddr;
  const { host, port } = splitAddress(address);
  const chosenPort = port ?? info.protocolPort;
  if (host === '' || !Number.isInteger(chosenPort) || chosenPort < 1 || chosenPort > 65_535) {
    throw new FleetingError('invalid_config', `could not dial instance ${info.id}: bad address`, {
      instanceId: info.id,
    });
  }
  return { host, port: chosenPort };
}
