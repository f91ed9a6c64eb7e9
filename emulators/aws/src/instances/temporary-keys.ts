import { randomBytes } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';

import { InstanceHostError } from './errors';
import { isOpenSshPublicKey } from './public-key';

/**
 * The root-owned authorized-keys file that stands in for EC2 Instance Connect: keys are added
 * and removed by handle, and every change replaces the file atomically so sshd never reads a
 * half-written one.
 */
export class TemporaryKeyFile {
  private readonly keys = new Map<string, string>();
  private writes: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {}

  /** Creates the file empty. */
  async create(): Promise<void> {
    await this.enqueueWrite();
  }

  /** Adds a key and returns the handle that removes it. */
  async authorize(publicKey: string): Promise<string> {
    if (!isOpenSshPublicKey(publicKey.trim())) {
      throw new InstanceHostError(
        'invalid_key',
        'could not authorize key: not an OpenSSH public key',
      );
    }
    const handle = randomBytes(8).toString('hex');
    this.keys.set(handle, publicKey.trim());
    await this.enqueueWrite();
    return handle;
  }

  /** Removes a key; an unknown or already revoked handle is ignored. */
  async revoke(handle: string): Promise<void> {
    if (this.keys.delete(handle)) {
      await this.enqueueWrite();
    }
  }

  private enqueueWrite(): Promise<void> {
    // Chained so that two overlapping changes land in call order.
    const next = this.writes.then(() => this.write());
    this.writes = next.catch(() => undefined);
    return next;
  }

  private async write(): Promise<void> {
    const body = [...this.keys.values()].map(key => `${key}\n`).join('');
    const staging = `${this.path}.${randomBytes(4).toString('hex')}`;
    // 0644: sshd reads authorized-keys files with the user's privileges.
    await writeFile(staging, body, { mode: 0o644 });
    await rename(staging, this.path);
  }
}
