import type { InstanceHost, InstanceLaunchSpec, InstanceProcess } from '../instances/instance-host';

/** What the fake records about one launched instance. */
export interface FakeInstanceRecord {
  readonly spec: InstanceLaunchSpec;
  readonly process: InstanceProcess;
  /** Temporary keys currently allowed, by handle. */
  readonly temporaryKeys: Map<string, string>;
  paused: boolean;
  sshdKilled: boolean;
  terminated: boolean;
}

/** An in-memory InstanceHost for unit tests: no processes, every call recorded. */
export class FakeInstanceHost implements InstanceHost {
  readonly launched = new Map<string, FakeInstanceRecord>();
  /** When set, the next launch rejects with this error. */
  failNextLaunch: Error | undefined;
  private nextAddress = 2;
  closed = false;

  /** Records the launch and returns a process whose calls change the record. */
  launch(spec: InstanceLaunchSpec): Promise<InstanceProcess> {
    if (this.failNextLaunch !== undefined) {
      const error = this.failNextLaunch;
      this.failNextLaunch = undefined;
      return Promise.reject(error);
    }
    let handles = 0;
    const temporaryKeys = new Map<string, string>();
    const record: FakeInstanceRecord = {
      spec,
      temporaryKeys,
      paused: false,
      sshdKilled: false,
      terminated: false,
      process: {
        instanceId: spec.instanceId,
        privateIp: `127.0.10.${this.nextAddress++}`,
        sshPort: spec.sshPort,
        osUser: spec.osUser,
        homeDir: `/nonexistent/${spec.instanceId}`,
        hostPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeHostKeyForUnitTestsOnly fake-host',
        sshdConnectionCount: () => 0,
        authorizeTemporaryKey: publicKey => {
          const handle = `key-${++handles}`;
          temporaryKeys.set(handle, publicKey);
          return Promise.resolve(handle);
        },
        revokeTemporaryKey: handle => {
          temporaryKeys.delete(handle);
          return Promise.resolve();
        },
        pause: () => {
          record.paused = true;
          return Promise.resolve();
        },
        resume: () => {
          record.paused = false;
          return Promise.resolve();
        },
        killSshd: () => {
          record.sshdKilled = true;
          return Promise.resolve();
        },
        terminate: () => {
          record.terminated = true;
          return Promise.resolve();
        },
      },
    };
    this.launched.set(spec.instanceId, record);
    return Promise.resolve(record.process);
  }

  /** Marks every instance terminated. */
  close(): Promise<void> {
    this.closed = true;
    for (const record of this.launched.values()) {
      record.terminated = true;
    }
    return Promise.resolve();
  }
}

/** Lets pending promise callbacks (the fake host's launches) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise<void>(resolve => setImmediate(resolve));
  }
}
