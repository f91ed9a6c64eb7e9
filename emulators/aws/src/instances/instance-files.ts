import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { renderGroup, renderPasswd } from './account-files';
import { InstanceHostError } from './errors';
import { renderSshdConfig } from './sshd-config';
import { uidFileName } from './stale-hosts';

const execFileAsync = promisify(execFile);

/** Paths of one instance's state directory on the host. */
export interface InstanceFiles {
  readonly dir: string;
  readonly passwdPath: string;
  readonly groupPath: string;
  readonly hostKeyPath: string;
  readonly sshdConfigPath: string;
  readonly temporaryKeysPath: string;
  /** Bind-mounted at /home/<osUser> inside the instance. */
  readonly homeDir: string;
  /** Bind-mounted over /tmp inside the instance. */
  readonly tmpDir: string;
}

/** Names the files of the instance state directory `dir`. */
export function instanceFilesAt(dir: string): InstanceFiles {
  return {
    dir,
    passwdPath: join(dir, 'passwd'),
    groupPath: join(dir, 'group'),
    hostKeyPath: join(dir, 'ssh_host_ed25519_key'),
    sshdConfigPath: join(dir, 'sshd_config'),
    temporaryKeysPath: join(dir, 'eic_keys'),
    homeDir: join(dir, 'home'),
    tmpDir: join(dir, 'tmp'),
  };
}

/** What goes into a fresh instance's files. */
export interface InstanceFilesInput {
  readonly osUser: string;
  readonly uid: number;
  readonly authorizedKeys: readonly string[];
  readonly shell: string;
  readonly sshKeygenPath: string;
}

/**
 * Creates the account files, home (with the launch keys, as cloud-init installs them) and
 * private /tmp of an instance, and generates its host key; returns the host public key.
 */
export async function createInstanceFiles(
  files: InstanceFiles,
  input: InstanceFilesInput,
): Promise<string> {
  // 0711: the instance user must reach its home and the temporary-keys file, but not list them.
  await mkdir(files.dir, { mode: 0o711 });
  await chmod(files.dir, 0o711);
  const account = {
    name: input.osUser,
    uid: input.uid,
    homeDir: `/home/${input.osUser}`,
    shell: input.shell,
  };
  await writeFile(files.passwdPath, renderPasswd(await readFile('/etc/passwd', 'utf8'), account), {
    mode: 0o644,
  });
  await writeFile(files.groupPath, renderGroup(await readFile('/etc/group', 'utf8'), account), {
    mode: 0o644,
  });
  await writeFile(join(files.dir, uidFileName), String(input.uid));
  await createHome(files.homeDir, input);
  await mkdir(files.tmpDir);
  // Set after mkdir because the process umask would strip the sticky world-writable bits.
  await chmod(files.tmpDir, 0o1777);
  try {
    await execFileAsync(input.sshKeygenPath, [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      '',
      '-f',
      files.hostKeyPath,
    ]);
  } catch (error) {
    throw new InstanceHostError('spawn_failed', 'could not generate the instance host key', {
      cause: error,
    });
  }
  const [type, body] = (await readFile(`${files.hostKeyPath}.pub`, 'utf8')).trim().split(/\s+/);
  return `${type ?? ''} ${body ?? ''}`;
}

async function createHome(homeDir: string, input: InstanceFilesInput): Promise<void> {
  const sshDir = join(homeDir, '.ssh');
  const keysPath = join(sshDir, 'authorized_keys');
  await mkdir(sshDir, { recursive: true });
  const keys = input.authorizedKeys.map(key => `${key.trim()}\n`).join('');
  await writeFile(keysPath, keys, { mode: 0o600 });
  for (const path of [homeDir, sshDir, keysPath]) {
    await chown(path, input.uid, input.uid);
  }
  await chmod(homeDir, 0o700);
  await chmod(sshDir, 0o700);
}

/** Writes the instance's sshd_config. */
export async function writeSshdConfig(
  files: InstanceFiles,
  input: { listenAddress: string; port: number; osUser: string },
): Promise<void> {
  const config = renderSshdConfig({
    ...input,
    hostKeyPath: files.hostKeyPath,
    temporaryKeysPath: files.temporaryKeysPath,
    clientAliveIntervalSec: 10,
  });
  await writeFile(files.sshdConfigPath, config, { mode: 0o600 });
}
