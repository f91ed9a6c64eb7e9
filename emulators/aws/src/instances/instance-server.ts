import type { Logger } from 'pino';

import { InstanceHostError } from './errors';
import { writeSshdConfig } from './instance-files';
import type { InstanceFiles } from './instance-files';
import type { InstanceLaunchSpec } from './instance-host';
import { pickFreeLoopbackAddress, randomLoopbackAddress } from './loopback-address';
import type { HostTools } from './preflight';
import { SilentListener } from './silent-listener';
import { waitForSshBanner } from './ssh-banner';
import { SshdProcess, holdMountNamespace } from './sshd-process';

/** What stands behind an instance's port: a real sshd, or a listener that never answers. */
export type InstanceServer =
  | {
      readonly kind: 'sshd';
      readonly sshd: SshdProcess;
      readonly mountNamespace: { identity: string; release: () => void };
    }
  | { readonly kind: 'silent'; readonly listener: SilentListener };

/** What starting a server needs from the host. */
export interface ServerContext {
  readonly tools: HostTools;
  readonly logger: Logger;
  readonly readyTimeoutMs: number;
  /** Addresses this host already gave out; the set is not changed here. */
  readonly addressesInUse: ReadonlySet<string>;
  readonly hostMountNamespace: string;
}

const addressAttempts = 5;

/** Starts the listener of a `never-answers` instance on a free random loopback address. */
export async function startSilentServer(
  spec: InstanceLaunchSpec,
  context: ServerContext,
): Promise<{ address: string; server: InstanceServer }> {
  for (let attempt = 0; attempt < addressAttempts * 4; attempt += 1) {
    const address = randomLoopbackAddress();
    const listener = new SilentListener();
    if (!context.addressesInUse.has(address) && (await listener.listen(address, spec.sshPort))) {
      return { address, server: { kind: 'silent', listener } };
    }
  }
  throw exhausted(spec);
}

/** Starts sshd on a free random loopback address and waits until it sends its banner. */
export async function startSshdServer(
  spec: InstanceLaunchSpec,
  files: InstanceFiles,
  context: ServerContext,
): Promise<{ address: string; server: InstanceServer }> {
  // The free-address probe can race with another emulator, so a bind failure picks again.
  for (let attempt = 0; attempt < addressAttempts; attempt += 1) {
    const address = await pickFreeLoopbackAddress(spec.sshPort, context.addressesInUse);
    if (address === undefined) {
      break;
    }
    await writeSshdConfig(files, {
      listenAddress: address,
      port: spec.sshPort,
      osUser: spec.osUser,
    });
    const sshd = await SshdProcess.start(context.tools, files, spec.osUser, context.logger);
    const answered = await waitForSshBanner({
      address,
      port: spec.sshPort,
      timeoutMs: context.readyTimeoutMs,
      hasExited: () => sshd.hasExited(),
    });
    const exitedOnItsOwn = sshd.hasExited();
    if (answered) {
      const mountNamespace = holdMountNamespace(sshd.pid);
      if (mountNamespace.identity === context.hostMountNamespace) {
        // Signalling "the instance's namespace" would then reach every process on the host.
        mountNamespace.release();
        sshd.signal('SIGKILL');
        throw new InstanceHostError('spawn_failed', 'could not start sshd in its own namespace');
      }
      return { address, server: { kind: 'sshd', sshd, mountNamespace } };
    }
    sshd.signal('SIGKILL');
    await sshd.exited;
    if (!sshd.failedToBind()) {
      throw startFailure(spec, sshd, exitedOnItsOwn, context.readyTimeoutMs);
    }
    context.logger.debug({ instanceId: spec.instanceId, address }, 'sshd address taken, retrying');
  }
  throw exhausted(spec);
}

function startFailure(
  spec: InstanceLaunchSpec,
  sshd: SshdProcess,
  exitedOnItsOwn: boolean,
  readyTimeoutMs: number,
): Error {
  const tail = sshd.stderrTail();
  return exitedOnItsOwn
    ? new InstanceHostError(
        'spawn_failed',
        `could not start sshd for ${spec.instanceId}: exited${tail === '' ? '' : `: ${tail}`}`,
      )
    : new InstanceHostError(
        'ready_timeout',
        `could not reach sshd of ${spec.instanceId} within ${readyTimeoutMs} ms${tail === '' ? '' : `: ${tail}`}`,
      );
}

function exhausted(spec: InstanceLaunchSpec): Error {
  return new InstanceHostError(
    'address_exhausted',
    `could not find a free loopback address for ${spec.instanceId} port ${spec.sshPort}`,
  );
}
