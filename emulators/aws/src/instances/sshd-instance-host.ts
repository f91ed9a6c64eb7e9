import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { chmod, mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { pino } from 'pino';
import type { Logger } from 'pino';

import { InstanceHostError } from './errors';
import { createInstanceFiles, instanceFilesAt } from './instance-files';
import type { InstanceFiles } from './instance-files';
import { startSilentServer, startSshdServer } from './instance-server';
import { validateLaunchSpec } from './launch-spec';
import type { InstanceLaunchSpec } from './instance-host';
import { checkHostSupport, defaultHostTools } from './preflight';
import type { HostTools } from './preflight';
import { isUidInUse, ownMountNamespace, readProcessTable } from './process-table';
import type { SshdInstanceHost } from './sshd-host-types';
import { SshdInstance } from './sshd-instance';
import { sweepStaleHosts, writeOwnerFile } from './stale-hosts';
import { TemporaryKeyFile } from './temporary-keys';

/** Options of the sshd-backed instance host. */
export interface SshdInstanceHostOptions {
  /** Parent of every host's state directory; must not be under /tmp (instances hide it). */
  readonly stateRoot?: string;
  readonly logger?: Logger;
  /** How long launch() waits for sshd's banner. */
  readonly readyTimeoutMs?: number;
  /** How long pause() and terminate() wait for processes to stop or die. */
  readonly signalBoundMs?: number;
  readonly tools?: HostTools;
}

const defaultStateRoot = '/var/tmp/taskfleet-emulator';
// Far above system and human accounts, and wide enough that parallel hosts never draw the same.
const minInstanceUid = 200_000;
const maxInstanceUid = 2_000_000_000;

// One process-exit hook for all hosts, so many hosts in one process add one listener.
const liveHosts = new Set<SshdHost>();
function killLeftovers(): void {
  for (const host of liveHosts) {
    host.terminateAllNow();
  }
}

/** Starts each instance as a real sshd in its own mount namespace, uid, home and /tmp. */
class SshdHost implements SshdInstanceHost {
  readonly stateDir: string;
  private readonly stateRoot: string;
  private readonly logger: Logger;
  private readonly tools: HostTools;
  private readonly readyTimeoutMs: number;
  private readonly signalBoundMs: number;
  private readonly instances = new Map<string, SshdInstance>();
  private readonly launching = new Map<string, Promise<SshdInstance>>();
  private readonly uidsInUse = new Set<number>();
  private readonly addressesInUse = new Set<string>();
  private ready: Promise<string> | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: SshdInstanceHostOptions) {
    this.stateRoot = resolve(options.stateRoot ?? defaultStateRoot);
    if (this.stateRoot === '/tmp' || this.stateRoot.startsWith('/tmp/')) {
      throw new InstanceHostError(
        'invalid_options',
        'could not create the instance host: its state root must not be under /tmp',
      );
    }
    this.stateDir = join(this.stateRoot, randomBytes(6).toString('hex'));
    this.logger = options.logger ?? pino({ enabled: false });
    this.tools = options.tools ?? defaultHostTools;
    this.readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
    this.signalBoundMs = options.signalBoundMs ?? 5_000;
  }

  launch(spec: InstanceLaunchSpec): Promise<SshdInstance> {
    if (this.closing !== undefined) {
      return Promise.reject(
        new InstanceHostError('host_closed', 'could not launch instance: the host is closed'),
      );
    }
    if (this.instances.has(spec.instanceId) || this.launching.has(spec.instanceId)) {
      return Promise.reject(
        new InstanceHostError(
          'invalid_spec',
          `could not launch ${spec.instanceId}: already running`,
        ),
      );
    }
    const launch = this.launchOnce(spec);
    this.launching.set(spec.instanceId, launch);
    const forget = (): void => {
      this.launching.delete(spec.instanceId);
    };
    launch.then(forget, forget);
    return launch;
  }

  private async launchOnce(spec: InstanceLaunchSpec): Promise<SshdInstance> {
    const startedAt = Date.now();
    const hostMountNamespace = await this.prepare();
    const hostPasswd = await readFile('/etc/passwd', 'utf8');
    validateLaunchSpec(spec, hostPasswd);
    const uid = this.pickUid(hostPasswd);
    const files = instanceFilesAt(join(this.stateDir, spec.instanceId));
    try {
      const instance = await this.start(spec, uid, files, hostMountNamespace);
      this.logger.info(
        {
          instanceId: spec.instanceId,
          privateIp: instance.privateIp,
          sshPort: spec.sshPort,
          uid,
          bootMode: spec.bootMode,
          launchMs: Date.now() - startedAt,
        },
        'instance launched',
      );
      return instance;
    } catch (error) {
      this.uidsInUse.delete(uid);
      await rm(files.dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Last resort when the test or emulator process ends without close(). */
  terminateAllNow(): void {
    for (const instance of this.instances.values()) {
      instance.terminateNow();
    }
    rmSync(this.stateDir, { recursive: true, force: true });
  }

  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    // Launches under way finish first, so that what they start is terminated below.
    await Promise.allSettled(this.launching.values());
    const results = await Promise.allSettled(
      [...this.instances.values()].map(instance => instance.terminate()),
    );
    await rm(this.stateDir, { recursive: true, force: true });
    liveHosts.delete(this);
    if (liveHosts.size === 0) {
      process.off('exit', killLeftovers);
    }
    const failure = results.find(result => result.status === 'rejected');
    if (failure !== undefined) {
      throw failure.reason;
    }
  }

  /** Checks the machine once and creates the host directory; returns the host's namespace. */
  private prepare(): Promise<string> {
    this.ready ??= (async () => {
      await checkHostSupport(this.tools);
      const hostMountNamespace = ownMountNamespace();
      await sweepStaleHosts(this.stateRoot, hostMountNamespace, this.logger);
      await mkdir(this.stateDir, { recursive: true, mode: 0o711 });
      // Both levels 0711: instance users pass through to their homes but cannot list hosts.
      await chmod(this.stateRoot, 0o711);
      await chmod(this.stateDir, 0o711);
      await writeOwnerFile(this.stateDir);
      if (liveHosts.size === 0) {
        process.on('exit', killLeftovers);
      }
      liveHosts.add(this);
      return hostMountNamespace;
    })();
    return this.ready;
  }

  private pickUid(hostPasswd: string): number {
    const table = readProcessTable();
    for (;;) {
      const uid = randomInt(minInstanceUid, maxInstanceUid);
      const taken =
        this.uidsInUse.has(uid) || isUidInUse(table, uid) || hostPasswd.includes(`:${uid}:`);
      if (!taken) {
        this.uidsInUse.add(uid);
        return uid;
      }
    }
  }

  private async start(
    spec: InstanceLaunchSpec,
    uid: number,
    files: InstanceFiles,
    hostMountNamespace: string,
  ): Promise<SshdInstance> {
    const hostPublicKey = await createInstanceFiles(files, {
      osUser: spec.osUser,
      uid,
      authorizedKeys: spec.authorizedKeys,
      shell: existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh',
      sshKeygenPath: this.tools.sshKeygenPath,
    });
    // The mount point must exist on the host; in the instance it is covered by the home.
    await mkdir(`/home/${spec.osUser}`, { recursive: true, mode: 0o755 });
    const temporaryKeys = new TemporaryKeyFile(files.temporaryKeysPath);
    await temporaryKeys.create();
    const context = {
      tools: this.tools,
      logger: this.logger,
      readyTimeoutMs: this.readyTimeoutMs,
      addressesInUse: this.addressesInUse,
      hostMountNamespace,
    };
    const { address, server } =
      spec.bootMode === 'never-answers'
        ? await startSilentServer(spec, context)
        : await startSshdServer(spec, files, context);
    this.addressesInUse.add(address);
    const instance = new SshdInstance({
      spec,
      privateIp: address,
      uid,
      files,
      hostPublicKey,
      temporaryKeys,
      server,
      hostMountNamespace,
      signalBoundMs: this.signalBoundMs,
      logger: this.logger,
      onTerminated: () => {
        this.instances.delete(spec.instanceId);
        this.uidsInUse.delete(uid);
        this.addressesInUse.delete(address);
      },
    });
    this.instances.set(spec.instanceId, instance);
    return instance;
  }
}

/**
 * Creates a host that runs every instance as a real OpenSSH sshd; needs root, which is checked
 * at the first launch so that a host that never launches works anywhere.
 */
export function createSshdInstanceHost(options: SshdInstanceHostOptions = {}): SshdInstanceHost {
  return new SshdHost(options);
}
