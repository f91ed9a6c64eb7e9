import { rm } from 'node:fs/promises';
import { rmSync } from 'node:fs';

import type { Logger } from 'pino';

import { InstanceHostError } from './errors';
import type { InstanceFiles } from './instance-files';
import type { InstanceLaunchSpec } from './instance-host';
import { InstanceSignals } from './instance-signals';
import type { InstanceServer } from './instance-server';
import type { SshdInstanceProcess } from './sshd-host-types';
import type { TemporaryKeyFile } from './temporary-keys';

/** Everything a launched instance is made of. */
export interface SshdInstanceParts {
  readonly spec: InstanceLaunchSpec;
  readonly privateIp: string;
  readonly uid: number;
  readonly files: InstanceFiles;
  readonly hostPublicKey: string;
  readonly temporaryKeys: TemporaryKeyFile;
  readonly server: InstanceServer;
  readonly hostMountNamespace: string;
  readonly signalBoundMs: number;
  readonly logger: Logger;
  /** Called once the instance is gone, so the host forgets it. */
  readonly onTerminated: () => void;
}

/** A launched instance backed by a real sshd in its own mount namespace (or a silent port). */
export class SshdInstance implements SshdInstanceProcess {
  readonly instanceId: string;
  readonly privateIp: string;
  readonly sshPort: number;
  readonly osUser: string;
  readonly homeDir: string;
  readonly hostPublicKey: string;
  readonly uid: number;
  private readonly signals: InstanceSignals;
  private terminating: Promise<void> | undefined;
  private terminated = false;

  constructor(private readonly parts: SshdInstanceParts) {
    this.instanceId = parts.spec.instanceId;
    this.privateIp = parts.privateIp;
    this.sshPort = parts.spec.sshPort;
    this.osUser = parts.spec.osUser;
    this.homeDir = parts.files.homeDir;
    this.hostPublicKey = parts.hostPublicKey;
    this.uid = parts.uid;
    const server = parts.server;
    this.signals = new InstanceSignals(
      () => ({
        uid: parts.uid,
        mountNamespace: server.kind === 'sshd' ? server.mountNamespace.identity : undefined,
      }),
      parts.hostMountNamespace,
      parts.signalBoundMs,
    );
  }

  processIds(): number[] {
    // Once terminated, the namespace identity may be reused by another instance.
    if (this.terminated) {
      return [];
    }
    return this.signals.list().map(entry => entry.pid);
  }

  sshdConnectionCount(): number {
    const server = this.parts.server;
    return server.kind === 'sshd' ? server.sshd.connectionCount : 0;
  }

  async authorizeTemporaryKey(publicKey: string): Promise<string> {
    this.assertRunning('authorize a key');
    return this.parts.temporaryKeys.authorize(publicKey);
  }

  async revokeTemporaryKey(handle: string): Promise<void> {
    if (this.terminating === undefined) {
      await this.parts.temporaryKeys.revoke(handle);
    }
  }

  async pause(): Promise<void> {
    this.assertRunning('pause');
    // A silent port has no process to freeze: it already accepts and says nothing.
    await this.signals.stopAll();
    this.parts.logger.info({ instanceId: this.instanceId }, 'instance paused');
  }

  resume(): Promise<void> {
    this.assertRunning('resume');
    this.signals.continueAll();
    this.parts.logger.info({ instanceId: this.instanceId }, 'instance resumed');
    return Promise.resolve();
  }

  async killSshd(): Promise<void> {
    this.assertRunning('kill sshd');
    const server = this.parts.server;
    if (server.kind === 'silent') {
      server.listener.stopListening();
    } else {
      // SIGKILL also works on a paused (stopped) listener; sessions are separate processes.
      server.sshd.signal('SIGKILL');
      await server.sshd.exited;
    }
    this.parts.logger.info({ instanceId: this.instanceId }, 'instance sshd killed');
  }

  terminate(): Promise<void> {
    this.terminating ??= this.terminateOnce();
    return this.terminating;
  }

  /** Kills everything synchronously and removes the files; for the process-exit hook only. */
  terminateNow(): void {
    const server = this.parts.server;
    if (server.kind === 'sshd') {
      server.sshd.signal('SIGKILL');
    } else {
      server.listener.destroy();
    }
    this.signals.killAllNow();
    rmSync(this.parts.files.dir, { recursive: true, force: true });
  }

  private async terminateOnce(): Promise<void> {
    const server = this.parts.server;
    try {
      if (server.kind === 'silent') {
        server.listener.destroy();
      } else {
        server.sshd.signal('SIGKILL');
        await this.signals.killAll();
        await server.sshd.exited;
        this.terminated = true;
        server.mountNamespace.release();
      }
      await rm(this.parts.files.dir, { recursive: true, force: true });
      this.parts.logger.info({ instanceId: this.instanceId }, 'instance terminated');
    } finally {
      this.terminated = true;
      this.parts.onTerminated();
    }
  }

  private assertRunning(action: string): void {
    if (this.terminating !== undefined) {
      throw new InstanceHostError(
        'instance_terminated',
        `could not ${action}: instance ${this.instanceId} is terminated`,
      );
    }
  }
}
