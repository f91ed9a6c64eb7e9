import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** One live process as /proc shows it. */
export interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
  /** The one-letter state from /proc/<pid>/stat: R, S, D, T, t, Z, ... */
  readonly state: string;
  /** The real uid. */
  readonly uid: number;
  /** The mount namespace identity, e.g. `mnt:[4026532301]`; undefined if unreadable. */
  readonly mountNamespace: string | undefined;
}

/** What identifies the processes of one instance. */
export interface InstanceProcessSelector {
  /** The instance's private mount namespace; every process sshd forks inherits it. */
  readonly mountNamespace: string | undefined;
  /** The instance's unique unprivileged uid; catches jobs that escaped the namespace. */
  readonly uid: number;
}

// /proc is in memory, so reading it synchronously is quick; being synchronous also lets the
// process-exit hook use the same code to kill leftovers.
function readEntry(pid: number): ProcessEntry | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may itself contain spaces or parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const uidMatch = /^Uid:\s+(\d+)/m.exec(status);
    let mountNamespace: string | undefined;
    try {
      mountNamespace = readlinkSync(`/proc/${pid}/ns/mnt`);
    } catch {
      mountNamespace = undefined;
    }
    return {
      pid,
      state: fields[0] ?? '?',
      ppid: Number(fields[1]),
      uid: uidMatch?.[1] === undefined ? -1 : Number(uidMatch[1]),
      mountNamespace,
    };
  } catch {
    // The process exited while we read it.
    return undefined;
  }
}

/** Reads every process currently listed in /proc. */
export function readProcessTable(): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) {
      continue;
    }
    const entry = readEntry(Number(name));
    if (entry !== undefined) {
      entries.push(entry);
    }
  }
  return entries;
}

/** The mount namespace of this Node process, which must never be treated as an instance's. */
export function ownMountNamespace(): string {
  return readlinkSync('/proc/self/ns/mnt');
}

/** Picks the live (non-zombie) processes that belong to one instance. */
export function selectInstanceProcesses(
  table: readonly ProcessEntry[],
  selector: InstanceProcessSelector,
  hostMountNamespace: string,
): ProcessEntry[] {
  // Matching the host's own namespace would select every process on the machine.
  const namespace =
    selector.mountNamespace === hostMountNamespace ? undefined : selector.mountNamespace;
  return table.filter(
    entry =>
      entry.state !== 'Z' &&
      entry.pid !== process.pid &&
      (entry.uid === selector.uid ||
        (namespace !== undefined && entry.mountNamespace === namespace)),
  );
}

/** Sends a signal, ignoring processes that have already gone. */
export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') {
      throw error;
    }
  }
}

/** Whether any live process runs with this uid. */
export function isUidInUse(table: readonly ProcessEntry[], uid: number): boolean {
  return table.some(entry => entry.uid === uid && entry.state !== 'Z');
}
