import type { Ec2Instance } from '../ec2/instance';
import type { ModelContext } from '../model/context';

/** How long a key pushed with SendSSHPublicKey authenticates. */
export const PUSHED_KEY_LIFETIME_MS = 60_000;

/** A key pushed with SendSSHPublicKey. */
export interface PushedKey {
  readonly instanceId: string;
  readonly osUser: string;
  readonly publicKey: string;
  readonly pushedAtMs: number;
  readonly expiresAtMs: number;
  /** Whether the instance's sshd was told about it (false when the OS user does not exist there). */
  authorized: boolean;
  revoked: boolean;
}

/** Pushed Instance Connect keys, each revoked on the instance 60 s after the push. */
export class PushedKeyStore {
  private readonly ctx: ModelContext;
  private readonly keys: PushedKey[] = [];

  constructor(ctx: ModelContext) {
    this.ctx = ctx;
  }

  /** Records a key and lets it log in to the instance as `osUser` until it expires. */
  async push(instance: Ec2Instance, osUser: string, publicKey: string): Promise<PushedKey> {
    const nowMs = this.ctx.clock.now();
    const key: PushedKey = {
      instanceId: instance.instanceId,
      osUser,
      publicKey,
      pushedAtMs: nowMs,
      expiresAtMs: nowMs + PUSHED_KEY_LIFETIME_MS,
      authorized: false,
      revoked: false,
    };
    this.keys.push(key);
    let handle: string | undefined;
    const process = instance.process;
    this.ctx.scheduler.after(PUSHED_KEY_LIFETIME_MS, () => {
      key.revoked = true;
      if (handle !== undefined) {
        this.revoke(instance, handle);
      }
    });
    // A key for a user the instance does not have is accepted by AWS but can never log in.
    if (process !== undefined && process.osUser === osUser) {
      handle = await process.authorizeTemporaryKey(publicKey);
      key.authorized = true;
      if (key.revoked) {
        this.revoke(instance, handle);
      }
    }
    return key;
  }

  /** Every key pushed so far, oldest first. */
  list(): readonly PushedKey[] {
    return this.keys;
  }

  private revoke(instance: Ec2Instance, handle: string): void {
    const process = instance.process;
    if (process === undefined || instance.state !== 'running') {
      return;
    }
    process.revokeTemporaryKey(handle).catch((error: unknown) => {
      this.ctx.logger.warn(
        { instanceId: instance.instanceId, err: error },
        'could not revoke a pushed key',
      );
    });
  }
}
