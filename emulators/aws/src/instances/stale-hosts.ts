import { readFileSync, readdirSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { Logger } from 'pino';

import { readProcessTable, signalProcess } from './process-table';
import type { ProcessEntry } from './process-table';

const ownerFileName = 'owner';
/** The file in an instance directory that records its uid, for sweeping after a crash. */
export const uidFileName = 'uid';

function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 of /proc/<pid>/stat; with a recycled pid it differs.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Records which process owns a host directory, so a later host can tell when it died. */
export async function writeOwnerFile(hostDir: string): Promise<void> {
  await writeFile(
    join(hostDir, ownerFileName),
    `${process.pid} ${startTimeOf(process.pid) ?? ''}\n`,
  );
}

async function isStale(hostDir: string): Promise<boolean> {
  let owner: string;
  try {
    owner = await readFile(join(hostDir, ownerFileName), 'utf8');
  } catch {
    // A host that is still creating its directory has not written the file yet.
    return false;
  }
  const [pid, startTime] = owner.trim().split(' ');
  return startTimeOf(Number(pid)) !== startTime;
}

function readUids(hostDir: string): Set<number> {
  const uids = new Set<number>();
  for (const instanceId of readdirSync(hostDir)) {
    try {
      uids.add(Number(readFileSync(join(hostDir, instanceId, uidFileName), 'utf8')));
    } catch {
      // Not an instance directory, or one that never got that far.
    }
  }
  return uids;
}

function namespaceMountsFrom(pid: number, hostDirNames: readonly string[]): boolean {
  try {
    // Field 4 of each mountinfo line is the mounted directory's path: the instance's bind sources.
    return readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
      .split('\n')
      .some(line => hostDirNames.some(name => line.split(' ')[3]?.includes(`/${name}/`) === true));
  } catch {
    return false;
  }
}

function staleProcesses(
  table: readonly ProcessEntry[],
  hostMountNamespace: string,
  hostDirNames: readonly string[],
  uids: ReadonlySet<number>,
): ProcessEntry[] {
  const byNamespace = new Map<string, ProcessEntry[]>();
  for (const entry of table) {
    if (entry.mountNamespace !== undefined && entry.mountNamespace !== hostMountNamespace) {
      const group = byNamespace.get(entry.mountNamespace) ?? [];
      group.push(entry);
      byNamespace.set(entry.mountNamespace, group);
    }
  }
  const victims = table.filter(entry => uids.has(entry.uid) && entry.state !== 'Z');
  for (const group of byNamespace.values()) {
    const first = group[0];
    if (first !== undefined && namespaceMountsFrom(first.pid, hostDirNames)) {
      victims.push(...group);
    }
  }
  return victims;
}

/**
 * Kills the instances of hosts whose owning process died without closing them (a crashed test
 * worker), recognised by their mounts and uids, and removes those hosts' directories.
 */
export async function sweepStaleHosts(
  stateRoot: string,
  hostMountNamespace: string,
  logger: Logger,
): Promise<void> {
  let names: string[];
  try {
    names = readdirSync(stateRoot);
  } catch {
    return;
  }
  const stale: string[] = [];
  for (const name of names) {
    if (await isStale(join(stateRoot, name))) {
      stale.push(name);
    }
  }
  if (stale.length === 0) {
    return;
  }
  const uids = new Set(stale.flatMap(name => [...readUids(join(stateRoot, name))]));
  const victims = staleProcesses(readProcessTable(), hostMountNamespace, stale, uids);
  for (const victim of victims) {
    signalProcess(victim.pid, 'SIGKILL');
  }
  for (const name of stale) {
    await rm(join(stateRoot, name), { recursive: true, force: true });
  }
  logger.info(
    { hostDirs: stale, killedProcessCount: victims.length },
    'stale instance hosts swept',
  );
}
