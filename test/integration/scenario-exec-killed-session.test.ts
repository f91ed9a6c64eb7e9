// Issue #5: an SSH session that dies with its executor (SIGKILL) must not leave the job's
// processes running on the instance: the instance-side watcher started by each job sweeps them
// once the connection's sshd process is gone. A job that ends normally takes its watcher along.
// Real sshd instances on this host, so the instance's processes are read from this host's /proc.
import { randomInt } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

import { startDurabilityWorld } from './support/durability-world';
import type { DurabilityWorld } from './support/durability-world';
import { until } from './support/taskfleet-processes';

jest.setTimeout(60_000);

// A sleep no other process on this machine runs, so its presence is this job's alone.
const sleepSeconds = 100_000 + randomInt(800_000);

/** The argument vectors of every process on this host. */
async function processArgs(): Promise<string[][]> {
  const all: string[][] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const raw = await readFile(join('/proc', entry, 'cmdline'), 'utf8');
      all.push(raw.split('\0').filter(part => part !== ''));
    } catch {
      // Gone between the listing and the read.
    }
  }
  return all;
}

async function running(match: (args: readonly string[]) => boolean): Promise<number> {
  return (await processArgs()).filter(match).length;
}

const isJobSleep = (args: readonly string[]): boolean =>
  args[0] === 'sleep' && args[1] === String(sleepSeconds);

describe('executor killed mid-job: the session watcher ends the job on the instance', () => {
  let world: DurabilityWorld;

  beforeAll(async () => {
    world = await startDurabilityWorld({
      name: 'exec-session',
      jobCount: 2,
      instanceCount: 1,
      capacityPerInstance: 2,
      script: [
        'echo "$CI_JOB_ID" >> "$HOME/ran.log"',
        `if [ "$CI_JOB_NAME" = job-0 ]; then sleep ${sleepSeconds}; fi`,
        'echo "script of $CI_JOB_NAME done"',
      ],
    });
  });

  afterAll(async () => {
    await world.close();
  });

  /** The files of the instance's job records (`<marker>.pgids`, `<marker>.watch`). */
  async function recordFiles(): Promise<string[]> {
    const found: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const path = join(dir, entry.name);
        if (dir.endsWith(join('.taskfleet', 'run'))) {
          found.push(entry.name);
        } else if (entry.isDirectory()) {
          await walk(path);
        }
      }
    };
    await walk(world.stateRoot);
    return found;
  }

  function watcherOf(jobId: number): (args: readonly string[]) => boolean {
    return args => {
      const at = args.indexOf('taskfleet-watch');
      return at > 0 && (args[at + 1] ?? '').startsWith(`${jobId}-`);
    };
  }

  it('SIGKILL of the executor during the script: the remote script stops within a bound', async () => {
    const id = world.jobs[0]?.id ?? 0;
    const doomed = await world.startExecutor();
    await world.enqueue(world.jobs[0]!);
    await until(
      'script sleeping on the instance',
      async () => (await running(isJobSleep)) === 1,
      30_000,
    );
    expect(await running(watcherOf(id))).toBe(1);
    doomed.process.kill('SIGKILL');
    expect(await doomed.exited).toBeNull();
    // sshd drops the session at once; the watcher looks every second, then TERM, 2 s, KILL.
    await until(
      'script gone from the instance',
      async () => (await running(isJobSleep)) === 0,
      15_000,
    );
    await until('watcher gone', async () => (await running(watcherOf(id))) === 0, 10_000);
    expect((await recordFiles()).filter(name => name.startsWith(`${id}-`))).toEqual([]);
    // Another executor reports it as the job it is: started before, not re-run.
    const rescuer = await world.startExecutor();
    try {
      await until('job final', () => world.gitlab.admin.getJob(id).status === 'failed', 30_000);
      expect(world.gitlab.admin.getJob(id).failureReason).toBe('runner_system_failure');
      expect((await world.ranJobIds()).filter(r => r === id)).toHaveLength(1);
    } finally {
      rescuer.process.kill('SIGTERM');
      await rescuer.exited;
    }
  });

  it('a job that ends normally leaves no watcher and no record behind', async () => {
    const id = world.jobs[1]?.id ?? 0;
    const executor = await world.startExecutor();
    try {
      await world.enqueue(world.jobs[1]!);
      await until('job final', () => world.gitlab.admin.getJob(id).status === 'success', 30_000);
      expect(world.gitlab.admin.getTrace(id)).toContain('script of job-1 done');
      await until('watcher gone', async () => (await running(watcherOf(id))) === 0, 10_000);
      expect((await recordFiles()).filter(name => name.startsWith(`${id}-`))).toEqual([]);
    } finally {
      executor.process.kill('SIGTERM');
      await executor.exited;
    }
  });
});
