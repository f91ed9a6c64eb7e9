import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Keeps a test's git away from the machine's own global and system config. */
export const isolatedGitEnv = { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };

/** A temporary directory holding an `origin` repository to fetch from. */
export interface GitOrigin {
  readonly dir: string;
  readonly origin: string;
  /** The second of the two commits on `main`. */
  readonly sha: string;
}

/** Makes a temporary directory with an `origin` repository of two commits on `main`, for tests. */
export async function makeGitOrigin(prefix: string): Promise<GitOrigin> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const origin = join(dir, 'origin');
  await mkdir(origin);
  const git = (...args: string[]) =>
    exec('git', args, {
      cwd: origin,
      env: {
        ...process.env,
        ...isolatedGitEnv,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@example.com',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@example.com',
      },
    });
  await git('init', '-q', '-b', 'main');
  await writeFile(join(origin, 'README.md'), 'first\n');
  await git('add', '.');
  await git('commit', '-q', '-m', 'first');
  await writeFile(join(origin, 'README.md'), 'second\n');
  await git('commit', '-q', '-am', 'second');
  const sha = (await git('rev-parse', 'HEAD')).stdout.trim();
  return { dir, origin, sha };
}
