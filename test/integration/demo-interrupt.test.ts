// Ctrl-C during `taskfleet demo` while a job's script runs: the demo cancels its pipeline, the
// executor kills the script on the instance, and the process exits with everything cleaned up
// instead of waiting for the script to end by itself.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Redis } from 'ioredis';

import { until } from './support/taskfleet-processes';

const root = join(__dirname, '..', '..');

jest.setTimeout(150_000);

/** The pids of processes whose command line contains `text` (pgrep's own excluded). */
function processesWith(text: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', text], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

describe('taskfleet demo interrupted while a job runs', () => {
  let projectDir: string;

  beforeAll(async () => {
    projectDir = await mkdtemp(join(tmpdir(), 'demo-interrupt-'));
  });

  afterAll(async () => {
    await rm(projectDir, { recursive: true, force: true });
  });

  it('cancels the pipeline, kills the script and exits without waiting for it', async () => {
    // A sleep long past this test's bound, with a duration no other process uses.
    const sleepArg = `900.${process.pid}`;
    await writeFile(
      join(projectDir, '.gitlab-ci.yml'),
      `slow:\n  variables:\n    GIT_STRATEGY: none\n  script:\n    - sleep ${sleepArg}\n`,
    );
    const child = spawn(
      process.execPath,
      [join(root, 'cli', 'dist', 'main.js'), 'demo', '--project', projectDir, '--timeout', '600'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.stdout.resume();
    const exited = new Promise<number | null>(done =>
      child.once('exit', code => {
        done(code);
      }),
    );
    try {
      await until(
        'the job script runs',
        () => processesWith(`sleep ${sleepArg}`).length > 0,
        90_000,
      );
      // One Ctrl-C under `npm run demo`: the terminal signals the group and npm forwards it, so
      // the demo gets two 50 ms apart; both are the same stop and the cleanup runs in full.
      child.kill('SIGINT');
      await new Promise(resolve => setTimeout(resolve, 50));
      child.kill('SIGINT');
      let bound: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        exited,
        new Promise<'still running'>(done => {
          bound = setTimeout(() => {
            done('still running');
          }, 45_000);
        }),
      ]);
      clearTimeout(bound);
      expect(code).toBe(1);
      expect(stderr).toContain('interrupted: cleaning up');
      expect(stderr).toContain('could not finish pipeline');
      expect(processesWith(`sleep ${sleepArg}`)).toEqual([]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
      }
      await exited;
      for (const pid of processesWith(`sleep ${sleepArg}`)) {
        process.kill(Number(pid), 'SIGKILL');
      }
    }
  });

  it('a second stop signal exits at once and still removes the config that holds the secrets', async () => {
    // A private TMPDIR, so the demo's config dir is told apart from other runs' own.
    const tmp = await mkdtemp(join(tmpdir(), 'demo-interrupt-tmp-'));
    await writeFile(
      join(projectDir, '.gitlab-ci.yml'),
      `quick:\n  variables:\n    GIT_STRATEGY: none\n  script:\n    - echo quick\n`,
    );
    const configDirs = async (): Promise<string[]> =>
      (await readdir(tmp)).filter(name => name.startsWith('taskfleet-demo-config-'));
    const child = spawn(
      process.execPath,
      [join(root, 'cli', 'dist', 'main.js'), 'demo', '--project', projectDir, '--timeout', '600'],
      { stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, TMPDIR: tmp } },
    );
    const exited = new Promise<number | null>(done =>
      child.once('exit', code => {
        done(code);
      }),
    );
    // The demo's own key prefix, read from its config, so this test deletes the keys the
    // immediate exit leaves (and no other run's).
    let keyPrefix: string | undefined;
    const readPrefix = async (): Promise<boolean> => {
      const [dir] = await configDirs();
      const text =
        dir === undefined
          ? ''
          : await readFile(join(tmp, dir, 'config.toml'), 'utf8').catch(() => '');
      keyPrefix = /key_prefix = "([^"]+)"/.exec(text)?.[1];
      return keyPrefix !== undefined;
    };
    try {
      await until('the demo wrote its config', readPrefix, 60_000, 20);
      child.kill('SIGINT');
      // Apart, so the two are not merged into one pending signal. A different signal, not a
      // repeat of the same one (that counts as the same stop within a window; the window's end is
      // unit-tested with a manual clock in repeat-signal.test.ts, the cleanup here is too quick).
      await new Promise(resolve => setTimeout(resolve, 50));
      child.kill('SIGTERM');
      expect(await exited).toBe(130);
      expect(await configDirs()).toEqual([]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
      }
      await exited;
      await rm(tmp, { recursive: true, force: true });
      if (keyPrefix !== undefined) {
        const redis = new Redis({ host: '127.0.0.1', port: 6379 });
        const keys = await redis.keys(`{tf:${keyPrefix}:*`);
        if (keys.length > 0) {
          await redis.del(...keys);
        }
        await redis.quit();
      }
    }
  });
});
