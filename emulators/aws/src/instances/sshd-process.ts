import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readlinkSync } from 'node:fs';

import type { Logger } from 'pino';

import { InstanceHostError } from './errors';
import type { InstanceFiles } from './instance-files';
import type { HostTools } from './preflight';

// Runs inside the fresh mount namespace: private account files, home and /tmp, then sshd
// replaces the shell so the spawned pid is the listener itself.
const namespaceScript = [
  'set -e',
  'm="$1"; shift',
  '"$m" --bind "$1" /etc/passwd',
  '"$m" --bind "$2" /etc/group',
  '"$m" --bind "$3" "$4"',
  '"$m" --bind "$5" /tmp',
  'exec "$6" -D -e -f "$7"',
].join('\n');

const stderrTailLines = 20;
// OpenSSH logs each accepted connection at VERBOSE: `Connection from A port P on B port Q …`.
const acceptedPattern = /^Connection from \S+ port \d+ on \S+ port \d+/;

/** A listening sshd started in its own mount namespace. */
export class SshdProcess {
  readonly pid: number;
  /** Settles when the listener has exited and been reaped. */
  readonly exited: Promise<void>;
  private exitedFlag = false;
  private readonly stderrLines: string[] = [];
  private connections = 0;

  private constructor(
    private readonly child: ChildProcess,
    logger: Logger,
  ) {
    if (child.pid === undefined) {
      throw new InstanceHostError('spawn_failed', 'could not start sshd: no pid');
    }
    this.pid = child.pid;
    this.exited = new Promise(resolve => {
      child.once('exit', () => {
        this.exitedFlag = true;
        resolve();
      });
    });
    let partial = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        logger.debug({ sshdPid: this.pid, line }, 'sshd stderr');
        if (acceptedPattern.test(line)) {
          this.connections += 1;
        }
        this.stderrLines.push(line);
        if (this.stderrLines.length > stderrTailLines) {
          this.stderrLines.shift();
        }
      }
    });
  }

  /** Spawns `sshd -D -e` for an instance inside `unshare --mount --propagation private`. */
  static async start(
    tools: HostTools,
    files: InstanceFiles,
    osUser: string,
    logger: Logger,
  ): Promise<SshdProcess> {
    const child = spawn(
      tools.unsharePath,
      [
        '--mount',
        '--propagation',
        'private',
        '/bin/sh',
        '-c',
        namespaceScript,
        'sh',
        tools.mountPath,
        files.passwdPath,
        files.groupPath,
        files.homeDir,
        `/home/${osUser}`,
        files.tmpDir,
        tools.sshdPath,
        files.sshdConfigPath,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', error => {
        reject(new InstanceHostError('spawn_failed', 'could not start sshd', { cause: error }));
      });
    });
    return new SshdProcess(child, logger);
  }

  /** TCP connections sshd logged as accepted ("Connection from … port … on …"). */
  get connectionCount(): number {
    return this.connections;
  }

  /** Whether the listener has exited. */
  hasExited(): boolean {
    return this.exitedFlag;
  }

  /** The last lines sshd wrote to stderr, for error messages. */
  stderrTail(): string {
    return this.stderrLines.join('\n');
  }

  /** Whether sshd failed because another server already holds its address. */
  failedToBind(): boolean {
    return /Address already in use|Cannot bind any address/.test(this.stderrTail());
  }

  /** Sends a signal to the listener unless it has exited. */
  signal(signal: NodeJS.Signals): void {
    if (!this.exitedFlag) {
      this.child.kill(signal);
    }
  }
}

/**
 * Opens the mount namespace of `pid` and returns its identity with an open descriptor: holding
 * the descriptor keeps the namespace, and so its identity number, from being reused by a later
 * instance while this one may still be signalled by it.
 */
export function holdMountNamespace(pid: number): { identity: string; release: () => void } {
  const fd = openSync(`/proc/${pid}/ns/mnt`, 'r');
  // Read through our own descriptor, so the identity is that of the namespace we hold.
  const identity = readlinkSync(`/proc/self/fd/${fd}`);
  let released = false;
  return {
    identity,
    release: () => {
      if (!released) {
        released = true;
        closeSync(fd);
      }
    },
  };
}
