import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';

import { InstanceHostError } from './errors';

/** Where the host finds the programs it runs. */
export interface HostTools {
  readonly sshdPath: string;
  readonly sshKeygenPath: string;
  readonly unsharePath: string;
  readonly mountPath: string;
}

/** The Debian locations of the programs (openssh-server, openssh-client, util-linux, mount). */
export const defaultHostTools: HostTools = {
  sshdPath: '/usr/sbin/sshd',
  sshKeygenPath: '/usr/bin/ssh-keygen',
  unsharePath: '/usr/bin/unshare',
  mountPath: '/usr/bin/mount',
};

/** Fails with a coded error unless this process can run instances: root, and the tools present. */
export async function checkHostSupport(tools: HostTools): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new InstanceHostError(
      'not_root',
      'could not start instances: the AWS emulator must run as root (mount namespaces, port 22)',
    );
  }
  for (const path of Object.values(tools) as string[]) {
    try {
      await access(path, constants.X_OK);
    } catch (error) {
      throw new InstanceHostError(
        'sshd_not_found',
        `could not find ${path}: install openssh-server`,
        {
          cause: error,
        },
      );
    }
  }
  // sshd refuses to start without its privilege-separation directory.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
}
