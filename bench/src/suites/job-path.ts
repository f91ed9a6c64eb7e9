import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

import { fixed } from '../support/measure';
import { startOwnRedis } from '../support/redis-server';
import type { Figure } from '../support/report';

const jobCount = 60;

interface DemoJson {
  readonly pipeline: { readonly status: string };
  readonly jobs: readonly { readonly status: string }[];
}

/**
 * The whole path of 60 trivial jobs through `taskfleet demo` (poller, scaler and executors on
 * the emulators, real sshd instances, a cold fleet of at most 3 × 2 slots), on a Redis server of
 * its own: Redis commands per job, and wall time from start to a fleet back at zero.
 */
export async function jobPathSuite(): Promise<Figure[]> {
  const redis = await startOwnRedis();
  try {
    const cli = require.resolve('@taskfleet/cli/dist/main.js');
    const project = join(__dirname, '..', '..', 'fixtures', 'trivial-jobs');
    const callsBefore = await redis.commandCalls();
    const start = process.hrtime.bigint();
    const child = spawn(
      process.execPath,
      [cli, 'demo', '--project', project, '--json', '--redis-url', redis.url],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    const [code] = (await once(child, 'exit')) as [number | null];
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const perCommand = difference(await redis.commandCalls(), callsBefore);
    // One INFO call of ours lies between the two readings.
    perCommand.set('info', (perCommand.get('info') ?? 0) - 1);
    const calls = [...perCommand.values()].reduce((sum, n) => sum + n, 0);
    const top = [...perCommand]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([name, n]) => `${name} ${fixed(n / jobCount)}`)
      .join(', ');
    const result = JSON.parse(stdout) as DemoJson;
    const succeeded = result.jobs.filter(job => job.status === 'success').length;
    if (code !== 0 || succeeded !== jobCount) {
      throw new Error(
        `bench: demo exited ${String(code)} with ${succeeded}/${jobCount} jobs passed`,
      );
    }
    const suite = `job path (${jobCount} trivial jobs, taskfleet demo, cold fleet ≤ 3 × 2 slots)`;
    return [
      {
        suite,
        name: 'Redis commands per job',
        value: fixed(calls / jobCount),
        unit: '',
        target: '≤ 40',
      },
      { suite, name: 'per job, top commands', value: top, unit: '', target: '' },
      {
        suite,
        name: 'wall time, start to fleet at zero',
        value: fixed(seconds),
        unit: 's',
        target: '',
      },
      {
        suite,
        name: 'jobs per second over that time',
        value: fixed(jobCount / seconds),
        unit: 'jobs/s',
        target: '≥ 300 jobs/s (warm, unbounded fleet; not these conditions)',
      },
    ];
  } finally {
    await redis.stop();
  }
}

/** Calls made between two readings, by command. */
function difference(after: Map<string, number>, before: Map<string, number>): Map<string, number> {
  return new Map([...after].map(([name, n]) => [name, n - (before.get(name) ?? 0)]));
}
