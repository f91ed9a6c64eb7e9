import { readFile, readdir } from 'node:fs/promises';

// Linux reports utime and stime in clock ticks; USER_HZ is 100 on every x86-64 and arm64 kernel.
const ticksPerSecond = 100;
const msPerTick = 1000 / ticksPerSecond;

/** Memory of one process now, from `/proc/<pid>/status`. */
export interface ProcessMemory {
  /** Resident set size now (`VmRSS`). */
  readonly rssMiB: number;
  /** Highest resident set size since the process started (`VmHWM`). */
  readonly peakRssMiB: number;
}

/** Reads the resident memory of process `pid` (Linux only). */
export async function processMemory(pid: number): Promise<ProcessMemory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
    if (match?.[1] === undefined) {
      throw new Error(`bench: /proc/${pid}/status has no ${field}`);
    }
    return Number(match[1]);
  };
  return { rssMiB: kib('VmRSS') / 1024, peakRssMiB: kib('VmHWM') / 1024 };
}

/** CPU time (user + system) process `pid` has used so far, in ms (Linux only). */
export async function processCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after its closing paren are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the line: indexes 11 and 12 from field 3 (state).
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isFinite(ticks)) {
    throw new Error(`bench: could not read the CPU time of process ${pid}`);
  }
  return (ticks * 1000) / ticksPerSecond;
}

interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  readonly name: string;
  /** utime + stime + cutime + cstime: its own CPU and that of its children it has reaped. */
  readonly cpuWithReapedMs: number;
}

/** Every process now, from `/proc/<pid>/stat`; those that exit while it reads are skipped. */
async function allProcesses(): Promise<ProcStat[]> {
  const pids = (await readdir('/proc')).filter(name => /^\d+$/.test(name));
  const stats = await Promise.all(
    pids.map(async pid => {
      try {
        const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        // From field 3: ppid is index 1; utime, stime, cutime, cstime are indexes 11 to 14.
        const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
        return {
          pid: Number(pid),
          ppid: Number(fields[1]),
          name,
          cpuWithReapedMs: ticks * msPerTick,
        };
      } catch {
        return undefined;
      }
    }),
  );
  return stats.filter((s): s is ProcStat => s !== undefined);
}

/** One direct child of a process with the CPU time of its whole tree. */
export interface ChildTree {
  readonly pid: number;
  readonly name: string;
  readonly cpuMs: number;
}

/**
 * CPU time (ms) of each direct child of `parentPid` together with all of its descendants: live
 * descendants' own time plus what each has reaped. A descendant that exited and was not yet
 * reaped is missed, so each figure is a lower bound (Linux only).
 */
export async function childTreesCpu(parentPid: number): Promise<ChildTree[]> {
  const processes = await allProcesses();
  const children = new Map<number, ProcStat[]>();
  for (const p of processes) {
    children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  }
  const treeMs = (p: ProcStat): number =>
    (children.get(p.pid) ?? []).reduce((sum, child) => sum + treeMs(child), p.cpuWithReapedMs);
  return (children.get(parentPid) ?? []).map(child => ({
    pid: child.pid,
    name: child.name,
    cpuMs: treeMs(child),
  }));
}

/** CPU time (ms) the whole machine has spent busy since boot, all cores summed (`/proc/stat`). */
export async function machineBusyCpuMs(): Promise<number> {
  const stat = await readFile('/proc/stat', 'utf8');
  const fields = (/^cpu\s+(.*)$/m.exec(stat)?.[1] ?? '').split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal …: everything but idle and iowait is busy.
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) * msPerTick;
}
