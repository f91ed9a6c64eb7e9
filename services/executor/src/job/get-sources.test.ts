import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { isolatedGitEnv, makeGitOrigin } from '../testing/git-origin';
import { runLocal, testPayload } from '../testing/local-shell';
import { buildJobScripts } from './build-scripts';
import { sourcesSettings, splitCredentials } from './get-sources';
import type { SourcesInput } from './get-sources';

const exec = promisify(execFile);
const gitEnv = isolatedGitEnv;

let dir: string;
let origin: string;
let sha: string;
beforeEach(async () => {
  ({ dir, origin, sha } = await makeGitOrigin('executor-sources-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function scriptsWith(variables: Record<string, string>, depth = 1) {
  const payload = testPayload({
    git_info: {
      repo_url: `file://${origin}`,
      ref: 'main',
      sha,
      refspecs: ['+refs/heads/main:refs/remotes/origin/main'],
      depth,
    },
    variables: Object.entries(variables).map(([key, value]) => ({ key, value })),
  });
  return buildJobScripts(payload, { buildsDir: join(dir, 'builds'), slot: 0, shell: 'bash' });
}

async function getSources(variables: Record<string, string> = {}, depth = 1) {
  const scripts = scriptsWith(variables, depth);
  const run = await runLocal('bash', scripts.getSources, { cwd: dir, env: gitEnv });
  return { scripts, run };
}

describe('get_sources with real git', () => {
  it('fetches the refspecs at the depth and checks out the exact sha, with GitLab Runner lines', async () => {
    const { scripts, run } = await getSources();
    expect(run.exitCode).toBe(0);
    expect(run.output).toContain('Fetching changes with git depth set to 1...\n');
    expect(run.output).toContain('Created fresh repository.\n');
    expect(run.output).toContain(
      `Checking out ${sha.slice(0, 8)} as detached HEAD (ref is main)...\n`,
    );
    expect(run.output).toContain('Skipping Git submodules setup\n');
    expect(await readFile(join(scripts.projectDir, 'README.md'), 'utf8')).toBe('second\n');
    const head = await exec('git', ['rev-parse', 'HEAD'], { cwd: scripts.projectDir });
    expect(head.stdout.trim()).toBe(sha);
    const count = await exec('git', ['rev-list', '--count', 'HEAD'], { cwd: scripts.projectDir });
    expect(count.stdout.trim()).toBe('1');
  });

  it('fetch reuses the work tree and cleans it with GIT_CLEAN_FLAGS (default -ffdx, none keeps)', async () => {
    const first = await getSources({ GIT_STRATEGY: 'fetch' });
    const stray = join(first.scripts.projectDir, 'stray.txt');
    await writeFile(stray, 'x');
    const kept = await getSources({ GIT_STRATEGY: 'fetch', GIT_CLEAN_FLAGS: 'none' });
    expect(kept.run.exitCode).toBe(0);
    expect(kept.run.output).toContain('Reinitialized existing Git repository');
    expect(kept.run.output).not.toContain('Created fresh repository.');
    await expect(stat(stray)).resolves.toBeDefined();
    const cleaned = await getSources({ GIT_STRATEGY: 'fetch' });
    expect(cleaned.run.exitCode).toBe(0);
    expect(cleaned.run.output).toContain('Removing stray.txt');
    await expect(stat(stray)).rejects.toThrow();
  });

  it('clone starts from an empty directory', async () => {
    const first = await getSources({ GIT_STRATEGY: 'clone', GIT_CLEAN_FLAGS: 'none' });
    const stray = join(first.scripts.projectDir, 'stray.txt');
    await writeFile(stray, 'x');
    const again = await getSources({ GIT_STRATEGY: 'clone', GIT_CLEAN_FLAGS: 'none' });
    expect(again.run.output).toContain('Created fresh repository.\n');
    await expect(stat(stray)).rejects.toThrow();
  });

  it('none skips git and still creates the project directory', async () => {
    const { scripts, run } = await getSources({
      GIT_STRATEGY: 'none',
      GIT_SUBMODULE_STRATEGY: 'recursive',
    });
    expect(run.exitCode).toBe(0);
    expect(run.output).toBe(
      'Skipping Git repository setup\nSkipping Git checkout\nSkipping Git submodules setup\n',
    );
    await expect(stat(join(scripts.projectDir, '.git'))).rejects.toThrow();
    await expect(stat(scripts.projectDir)).resolves.toBeDefined();
  });

  it('empty starts in an emptied directory of its own beside the work tree, with no git', async () => {
    const fetched = await getSources({ GIT_STRATEGY: 'fetch' });
    const { scripts, run } = await getSources({
      GIT_STRATEGY: 'empty',
      GIT_SUBMODULE_STRATEGY: 'recursive',
    });
    // GitLab Runner's `<project>-empty`: the fetch strategy's tree stays as it was.
    expect(scripts.projectDir).toBe(`${fetched.scripts.projectDir}-empty`);
    expect(scripts.lookup('CI_PROJECT_DIR')).toBe(scripts.projectDir);
    expect(run.exitCode).toBe(0);
    expect(run.output).toBe(
      'Skipping Git repository setup and creating an empty build directory\n' +
        'Skipping Git checkout\nSkipping Git submodules setup\n',
    );
    await writeFile(join(scripts.projectDir, 'left-by-last-job.txt'), 'x');
    const again = await getSources({ GIT_STRATEGY: 'empty' });
    expect(again.run.exitCode).toBe(0);
    await expect(readdir(scripts.projectDir)).resolves.toEqual([]);
    await expect(stat(join(fetched.scripts.projectDir, 'README.md'))).resolves.toBeDefined();
  });

  it('full depth says so, and a failing fetch fails the stage', async () => {
    const full = await getSources({}, 0);
    expect(full.run.output).toContain('Fetching changes...\n');
    const count = await exec('git', ['rev-list', '--count', 'HEAD'], {
      cwd: full.scripts.projectDir,
    });
    expect(count.stdout.trim()).toBe('2');
    await rm(origin, { recursive: true });
    const broken = await getSources({ GIT_STRATEGY: 'clone' });
    expect(broken.run.exitCode).not.toBe(0);
    expect(broken.run.output).not.toContain('Checking out');
  });

  it('fetches quietly by default; GIT_FETCH_EXTRA_FLAGS replaces the flags', async () => {
    const quiet = await getSources();
    expect(quiet.run.output).not.toContain('From ');
    const loud = await getSources({ GIT_FETCH_EXTRA_FLAGS: 'none' });
    expect(loud.run.exitCode).toBe(0);
    expect(loud.run.output).toContain(`From file://${origin}`);
  });

  it('GIT_CHECKOUT=false fetches but leaves the work tree unchecked-out', async () => {
    const { scripts, run } = await getSources({ GIT_CHECKOUT: 'false' });
    expect(run.exitCode).toBe(0);
    expect(run.output).toContain('Skipping Git checkout\n');
    expect(run.output).not.toContain('Checking out');
    await expect(stat(join(scripts.projectDir, 'README.md'))).rejects.toThrow();
  });

  it.each<[string, Record<string, string>, string, boolean]>([
    ['normal', {}, 'Updating/initializing submodules with git depth set to 1...\n', true],
    [
      'recursive',
      { GIT_SUBMODULE_DEPTH: '0' },
      'Updating/initializing submodules recursively...\n',
      false,
    ],
    [
      'normal',
      { GIT_SUBMODULE_DEPTH: 'x' },
      'Updating/initializing submodules with git depth set to 1...\n',
      true,
    ],
    [
      'recursive',
      { GIT_SUBMODULE_DEPTH: '1' },
      'Updating/initializing submodules recursively with git depth set to 1...\n',
      true,
    ],
  ])(
    'GIT_SUBMODULE_STRATEGY=%s %j checks out submodules',
    async (strategy, extra, notice, shallow) => {
      // A submodule with its own submodule, over file:// (which git allows only when told to).
      const allowFile = {
        GIT_CONFIG_COUNT: '1',
        GIT_CONFIG_KEY_0: 'protocol.file.allow',
        GIT_CONFIG_VALUE_0: 'always',
      };
      const env = {
        ...process.env,
        ...gitEnv,
        ...allowFile,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@e',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@e',
      };
      const inner = join(dir, 'inner');
      const middle = join(dir, 'middle');
      for (const repo of [inner, middle]) {
        await mkdir(repo);
        await exec('git', ['init', '-q', '-b', 'main'], { cwd: repo, env });
        await writeFile(join(repo, 'file.txt'), `${repo}\n`);
        await exec('git', ['add', '.'], { cwd: repo, env });
        await exec('git', ['commit', '-q', '-m', 'init'], { cwd: repo, env });
      }
      await exec('git', ['submodule', '-q', 'add', `file://${inner}`, 'inner'], {
        cwd: middle,
        env,
      });
      await exec('git', ['commit', '-q', '-m', 'sub'], { cwd: middle, env });
      await exec('git', ['submodule', '-q', 'add', `file://${middle}`, 'middle'], {
        cwd: origin,
        env,
      });
      await exec('git', ['commit', '-q', '-m', 'sub'], { cwd: origin, env });
      sha = (await exec('git', ['rev-parse', 'HEAD'], { cwd: origin, env })).stdout.trim();
      // The job's depth (1 here) is the submodule depth unless GIT_SUBMODULE_DEPTH says otherwise.
      const scripts = scriptsWith({ GIT_SUBMODULE_STRATEGY: strategy, ...extra });
      const run = await runLocal('bash', scripts.getSources, {
        cwd: dir,
        env: { ...gitEnv, ...allowFile },
      });
      expect(run.exitCode).toBe(0);
      expect(run.output).toContain(notice);
      const shallowFile = stat(join(scripts.projectDir, '.git', 'modules', 'middle', 'shallow'));
      if (shallow) {
        await expect(shallowFile).resolves.toBeDefined();
      } else {
        await expect(shallowFile).rejects.toThrow();
      }
      await expect(stat(join(scripts.projectDir, 'middle', 'file.txt'))).resolves.toBeDefined();
      const nested = stat(join(scripts.projectDir, 'middle', 'inner', 'file.txt'));
      if (strategy === 'recursive') {
        await expect(nested).resolves.toBeDefined();
      } else {
        await expect(nested).rejects.toThrow();
      }
    },
  );

  it('an unknown submodule strategy fails the stage', async () => {
    const { run } = await getSources({ GIT_SUBMODULE_STRATEGY: 'sideways' });
    expect(run.exitCode).toBe(1);
    expect(run.output).toContain('ERROR: unknown GIT_SUBMODULE_STRATEGY "sideways"');
  });
});

describe('sourcesSettings and credentials', () => {
  const input = (variables: Record<string, string>, allowGitFetch = false): SourcesInput => ({
    projectDir: '/b/0/p',
    repoUrl: 'http://x/p.git',
    sha: 'abc',
    ref: 'main',
    refspecs: [],
    depth: 20,
    allowGitFetch,
    variable: name => variables[name],
  });

  it('reads GitLab Runner defaults and fallbacks', () => {
    expect(sourcesSettings(input({}))).toEqual({
      strategy: 'clone',
      depth: 20,
      cleanFlags: ['-ffdx'],
      submodules: 'none',
      attempts: 1,
      fetchFlags: ['--prune', '--quiet'],
      checkout: true,
      submodulePaths: [],
      submoduleUpdateFlags: [],
      submoduleDepth: 20,
    });
    expect(sourcesSettings(input({ GIT_SUBMODULE_DEPTH: '3' })).submoduleDepth).toBe(3);
    expect(sourcesSettings(input({ GIT_SUBMODULE_DEPTH: '3x' })).submoduleDepth).toBe(20);
    expect(
      sourcesSettings(input({ GIT_SUBMODULE_PATHS: ' a  :(exclude)b ' })).submodulePaths,
    ).toEqual(['a', ':(exclude)b']);
    // GitLab Runner's invalid pathspec: the magic word split from its path.
    expect(sourcesSettings(input({ GIT_SUBMODULE_PATHS: ':(exclude) b' })).submodulePaths).toEqual({
      invalid: ':(exclude) b',
    });
    expect(
      sourcesSettings(input({ GIT_SUBMODULE_UPDATE_FLAGS: '--remote  --jobs 4' }))
        .submoduleUpdateFlags,
    ).toEqual(['--remote', '--jobs', '4']);
    expect(sourcesSettings(input({ GIT_FETCH_EXTRA_FLAGS: 'none' })).fetchFlags).toEqual([]);
    expect(sourcesSettings(input({ GIT_CHECKOUT: 'false' })).checkout).toBe(false);
    // A Go boolean: 0 and F are false too; an unreadable one is the default, true.
    expect(sourcesSettings(input({ GIT_CHECKOUT: '0' })).checkout).toBe(false);
    expect(sourcesSettings(input({ GIT_CHECKOUT: 'nope' })).checkout).toBe(true);
    // empty and none leave git alone: no checkout, no submodules.
    const empty = sourcesSettings(input({ GIT_STRATEGY: 'empty', GIT_SUBMODULE_STRATEGY: 'x' }));
    expect(empty).toMatchObject({ strategy: 'empty', checkout: false, submodules: 'none' });
    expect(sourcesSettings(input({ GIT_STRATEGY: 'bogus' }, true)).strategy).toBe('fetch');
    expect(sourcesSettings(input({ GIT_DEPTH: '3' })).depth).toBe(3);
    expect(sourcesSettings(input({ GIT_DEPTH: 'x' })).depth).toBe(20);
    expect(sourcesSettings(input({ GIT_CLEAN_FLAGS: '-ffdx -e cache/' })).cleanFlags).toEqual([
      '-ffdx',
      '-e',
      'cache/',
    ]);
    expect(sourcesSettings(input({ GIT_SUBMODULE_STRATEGY: 'normal' })).submodules).toBe('normal');
    expect(sourcesSettings(input({ GET_SOURCES_ATTEMPTS: '3' })).attempts).toBe(3);
    // Kept as read: outside 1–10 is GitLab Runner's stage error, not a silent fallback.
    expect(sourcesSettings(input({ GET_SOURCES_ATTEMPTS: '11' })).attempts).toBe(11);
    expect(sourcesSettings(input({ GET_SOURCES_ATTEMPTS: 'x' })).attempts).toBe(1);
  });

  it('takes the credentials out of the URL and into a Basic header', () => {
    const split = splitCredentials('http://gitlab-ci-token:glcbt-abc%40d@127.0.0.1:8080/g/p.git');
    expect(split.url).toBe('http://127.0.0.1:8080/g/p.git');
    expect(split.authorization).toBe(
      `Basic ${Buffer.from('gitlab-ci-token:glcbt-abc@d').toString('base64')}`,
    );
    expect(splitCredentials('http://127.0.0.1/g/p.git')).toEqual({
      url: 'http://127.0.0.1/g/p.git',
    });
  });

  it('never writes the token in plain text into the script', () => {
    const payload = testPayload();
    const scripts = buildJobScripts(payload, { buildsDir: '/b', slot: 0, shell: 'bash' });
    expect(scripts.getSources).not.toContain('glcbt-testtoken');
    expect(scripts.getSources).toContain(
      "git remote add origin 'http://127.0.0.1:1/acme/widgets.git'",
    );
    expect(scripts.getSources).toContain(
      "export GIT_CONFIG_KEY_0='http.http://127.0.0.1:1/.extraHeader'",
    );
  });
});
