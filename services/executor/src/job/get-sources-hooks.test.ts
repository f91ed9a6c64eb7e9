// get_sources options beyond the basics, with real git over file://: the get_sources hooks of
// config.toml and the job, and the submodule pathspecs and update flags.
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { isolatedGitEnv, makeGitOrigin } from '../testing/git-origin';
import { runLocal, testPayload } from '../testing/local-shell';
import { buildJobScripts } from './build-scripts';
import type { RunnerScriptSettings } from './build-scripts';

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

interface ScriptExtras {
  readonly hooks?: readonly { name: string; script: string[] }[];
  readonly runnerScripts?: RunnerScriptSettings;
}

function scriptsWith(variables: Record<string, string>, depth = 1, extras: ScriptExtras = {}) {
  const payload = testPayload({
    git_info: {
      repo_url: `file://${origin}`,
      ref: 'main',
      sha,
      refspecs: ['+refs/heads/main:refs/remotes/origin/main'],
      depth,
    },
    variables: Object.entries(variables).map(([key, value]) => ({ key, value })),
    ...(extras.hooks === undefined ? {} : { hooks: extras.hooks }),
  });
  return buildJobScripts(payload, {
    buildsDir: join(dir, 'builds'),
    slot: 0,
    shell: 'bash',
    ...(extras.runnerScripts === undefined ? {} : { runnerScripts: extras.runnerScripts }),
  });
}

async function getSources(
  variables: Record<string, string> = {},
  depth = 1,
  extras: ScriptExtras = {},
) {
  const scripts = scriptsWith(variables, depth, extras);
  const run = await runLocal('bash', scripts.getSources, { cwd: dir, env: gitEnv });
  return { scripts, run };
}

describe('get_sources hooks with real git', () => {
  const hooks = [
    { name: 'pre_get_sources_script', script: ['echo "job pre in $(basename "$PWD")"'] },
    { name: 'post_get_sources_script', script: ['echo "job post sees $(cat README.md)"'] },
  ];
  const runnerScripts = {
    // One command however many lines, echoed as GitLab Runner echoes a multi-line command.
    preGetSourcesScript:
      'echo config pre\ntest ! -e builds/0/acme/widgets/.git && echo no-repo-yet',
    postGetSourcesScript: 'echo "config post at $(git rev-parse HEAD)"',
  };

  it('runs the config pre script, the job pre hook, the fetch, the job post hook, the config post script', async () => {
    const { run } = await getSources({}, 1, { hooks, runnerScripts });
    expect(run.exitCode).toBe(0);
    // eslint-disable-next-line no-control-regex
    const output = run.output.replace(/\u001b\[[0-9;]*m/g, '');
    const order = [
      '$ echo config pre # collapsed multi-line command\nconfig pre\nno-repo-yet\n',
      `$ echo "job pre in $(basename "$PWD")"\njob pre in ${dir.split('/').pop() ?? ''}\n`,
      'Fetching changes with git depth set to 1...',
      `Checking out ${sha.slice(0, 8)}`,
      '$ echo "job post sees $(cat README.md)"\njob post sees second\n',
      `$ echo "config post at $(git rev-parse HEAD)"\nconfig post at ${sha}\n`,
    ].map(text => output.indexOf(text));
    expect(order.every(index => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('fails get_sources on a failing pre hook before anything is fetched', async () => {
    const { scripts, run } = await getSources({}, 1, {
      runnerScripts: { preGetSourcesScript: 'echo checking; exit 7' },
    });
    expect(run.exitCode).toBe(7);
    expect(run.output).not.toContain('Fetching changes');
    await expect(stat(join(scripts.projectDir, '.git'))).rejects.toThrow();
  });

  it('runs the post hooks after a fetch without checkout, and neither hook with GIT_STRATEGY=none', async () => {
    const noCheckout = await getSources({ GIT_CHECKOUT: 'false' }, 1, {
      hooks: [
        {
          name: 'post_get_sources_script',
          script: ['git rev-parse refs/remotes/origin/main', 'cat README.md'],
        },
      ],
    });
    // README.md is not checked out, so the job's post hook fails the stage, as it would there.
    expect(noCheckout.run.exitCode).toBe(1);
    expect(noCheckout.run.output).toContain('Skipping Git checkout\n');
    expect(noCheckout.run.output).toContain('$ cat README.md');
    expect(noCheckout.run.output).toContain('README.md: No such file or directory');
    const none = await getSources({ GIT_STRATEGY: 'none' }, 1, { hooks, runnerScripts });
    expect(none.run.exitCode).toBe(0);
    expect(none.run.output).toBe(
      'Skipping Git repository setup\nSkipping Git checkout\nSkipping Git submodules setup\n',
    );
    // Nor with empty (GitLab Runner 17.x skips the hooks for both).
    const empty = await getSources({ GIT_STRATEGY: 'empty' }, 1, { hooks, runnerScripts });
    expect(empty.run.exitCode).toBe(0);
    expect(empty.run.output).not.toContain('$ ');
  });
});

describe('GIT_SUBMODULE_PATHS and GIT_SUBMODULE_UPDATE_FLAGS', () => {
  const allowFile = {
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'protocol.file.allow',
    GIT_CONFIG_VALUE_0: 'always',
  };
  const env = () => ({
    ...process.env,
    ...gitEnv,
    ...allowFile,
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@e',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@e',
  });
  const git = (cwd: string, ...args: string[]) => exec('git', args, { cwd, env: env() });

  // Two submodules, `one` and `two`; `one` gets a commit after it was recorded.
  beforeEach(async () => {
    for (const name of ['one', 'two']) {
      const repo = join(dir, name);
      await mkdir(repo);
      await git(repo, 'init', '-q', '-b', 'main');
      await writeFile(join(repo, 'file.txt'), `${name} recorded\n`);
      await git(repo, 'add', '.');
      await git(repo, 'commit', '-q', '-m', 'init');
      await git(origin, 'submodule', '-q', 'add', `file://${repo}`, name);
    }
    await git(origin, 'commit', '-q', '-m', 'subs');
    sha = (await git(origin, 'rev-parse', 'HEAD')).stdout.trim();
    await writeFile(join(dir, 'one', 'file.txt'), 'one newer\n');
    await git(join(dir, 'one'), 'commit', '-q', '-am', 'newer');
  });
  const sources = (variables: Record<string, string>) => {
    const scripts = scriptsWith({ GIT_SUBMODULE_STRATEGY: 'normal', ...variables });
    return runLocal('bash', scripts.getSources, {
      cwd: dir,
      env: { ...gitEnv, ...allowFile },
    }).then(run => ({ run, projectDir: scripts.projectDir }));
  };
  const read = (projectDir: string, name: string) =>
    readFile(join(projectDir, name, 'file.txt'), 'utf8').catch(() => 'absent');

  it('updates only the paths named, and none that are excluded', async () => {
    const only = await sources({ GIT_SUBMODULE_PATHS: 'two' });
    expect(only.run.exitCode).toBe(0);
    expect(await read(only.projectDir, 'one')).toBe('absent');
    expect(await read(only.projectDir, 'two')).toBe('two recorded\n');
    const excluded = await sources({ GIT_SUBMODULE_PATHS: ':(exclude)two' });
    expect(excluded.run.exitCode).toBe(0);
    expect(await read(excluded.projectDir, 'one')).toBe('one recorded\n');
    expect(await read(excluded.projectDir, 'two')).toBe('absent');
  });

  it('fails the stage on a pathspec GitLab Runner refuses', async () => {
    const { run } = await sources({ GIT_SUBMODULE_PATHS: ':(exclude) two' });
    expect(run.exitCode).toBe(1);
    expect(run.output).toContain(
      'ERROR: GIT_SUBMODULE_PATHS: invalid submodule pathspec ":(exclude) two"',
    );
  });

  it('passes GIT_SUBMODULE_UPDATE_FLAGS to git submodule update', async () => {
    const remote = await sources({ GIT_SUBMODULE_UPDATE_FLAGS: '--remote --jobs 2' });
    expect(remote.run.exitCode).toBe(0);
    // --remote takes the submodule's branch tip, not the commit the project recorded.
    expect(await read(remote.projectDir, 'one')).toBe('one newer\n');
    const refused = await sources({ GIT_SUBMODULE_UPDATE_FLAGS: '--no-such-update-flag' });
    expect(refused.run.exitCode).not.toBe(0);
  });
});
