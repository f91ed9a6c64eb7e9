import { dial } from '@taskfleet/fleeting';
import type { ConnectInfo, SshConnection } from '@taskfleet/fleeting';

import type { JobProcessorOptions } from './processor-options';

const defaultDialTimeoutMs = 30_000;

/**
 * Dials a new SSH connection to the instance with fresh connect info from the instance group
 * (which provisions short-lived credentials, such as an Instance Connect key, for each call).
 */
export async function dialInstance(
  options: Pick<
    JobProcessorOptions,
    'instances' | 'connect' | 'dialTimeoutMs' | 'keepaliveIntervalMs' | 'keepaliveCountMax'
  >,
  instanceId: string,
): Promise<SshConnection> {
  const info = await options.instances.connectInfo(instanceId);
  const timeoutMs = options.dialTimeoutMs ?? defaultDialTimeoutMs;
  return (options.connect ?? defaultConnect)(info, timeoutMs, {
    ...(options.keepaliveIntervalMs === undefined
      ? {}
      : { keepaliveIntervalMs: options.keepaliveIntervalMs }),
    ...(options.keepaliveCountMax === undefined
      ? {}
      : { keepaliveCountMax: options.keepaliveCountMax }),
  });
}

function defaultConnect(
  info: ConnectInfo,
  timeoutMs: number,
  keepalive: { readonly keepaliveIntervalMs?: number; readonly keepaliveCountMax?: number },
): Promise<SshConnection> {
  return dial(info, { connectTimeoutMs: timeoutMs, ...keepalive });
}
