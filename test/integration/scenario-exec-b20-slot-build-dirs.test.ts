// B20 (issue #4, kind 6): two jobs of one project run at the same time on one instance with
// capacity_per_instance 2. Each gets the build directory of its own slot, so one job cleaning
// its work tree cannot touch the other's files. Both jobs wait for each other before they write,
// so the overlap is certain rather than a matter of timing; the wait is bounded in the script.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

import { startDurabilityWorld } from './support/durability-world';
import type { DurabilityWorld } from './support/durability-world';
import { until } from './support/taskfleet-processes';

jest.setTimeout(60_000);

// Each job: note its start, wait (at most 20 s) until both jobs have started, write its marker,
// wipe everything else in its directory as a `git clean -ffdx` would, give the other job time to
// do the same, then check its marker is still its own.
const script = [
  'echo "$CI_JOB_ID $CI_PROJECT_DIR" >> "$HOME/b20-started.log"',
  'for _ in $(seq 1 200); do [ "$(wc -l < "$HOME/b20-started.log")" -ge 2 ] && break; sleep 0.1; done',
  '[ "$(wc -l < "$HOME/b20-started.log")" -ge 2 ]',
  'mkdir -p "$CI_PROJECT_DIR" && cd "$CI_PROJECT_DIR"',
  'echo "$CI_JOB_ID" > marker.txt',
  'find . -mindepth 1 -maxdepth 1 ! -name marker.txt -exec rm -rf {} +',
  'sleep 1',
  'test "$(cat marker.txt)" = "$CI_JOB_ID"',
  'echo "$CI_JOB_ID $(cat marker.txt)" >> "$HOME/ran.log.markers"',
];

describe('B20 concurrent jobs of one project get their own build directories', () => {
  let world: DurabilityWorld;

  beforeAll(async () => {
    world = await startDurabilityWorld({
      name: 'b20-dirs',
      jobCount: 2,
      instanceCount: 1,
      capacityPerInstance: 2,
      script,
    });
  });

  afterAll(async () => {
    await world.close();
  });

  it('runs both at once in slot-indexed directories with each marker intact', async () => {
    const executor = await world.startExecutor({ concurrency: 2 });
    try {
      for (const job of world.jobs) {
        await world.enqueue(job);
      }
      await until(
        'both jobs final',
        () => world.jobs.every(j => world.gitlab.admin.getJob(j.id).status !== 'running'),
        40_000,
      );
    } finally {
      executor.process.kill('SIGTERM');
      await executor.exited;
    }

    for (const job of world.jobs) {
      expect(world.gitlab.admin.getJob(job.id).status).toBe('success');
    }
    const home = world.stateRoot;
    const started = await readHomeFile(home, 'b20-started.log');
    const dirs = started.map(line => line.split(' ')[1] ?? '');
    expect(new Set(dirs).size).toBe(2);
    // Slot-indexed: builds/<slot>/<namespace>/<project>, one directory per slot.
    expect(dirs.map(d => /\/builds\/(\d+)\/acme\/b20-dirs$/.exec(d)?.[1]).sort()).toEqual([
      '0',
      '1',
    ]);
    const markers = await readHomeFile(home, 'ran.log.markers');
    expect(markers.sort()).toEqual(world.jobs.map(j => `${j.id} ${j.id}`).sort());
  });
});

/** Lines of a file the instance wrote in its home directory (one instance in this world). */
async function readHomeFile(stateRoot: string, name: string): Promise<string[]> {
  const found = execFileSync('find', [stateRoot, '-name', name, '-type', 'f'], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  if (found.length !== 1) {
    throw new Error(`expected one ${name}, found ${found.length}`);
  }
  const text = await readFile(found[0]!, 'utf8');
  return text.split('\n').filter(Boolean);
}
