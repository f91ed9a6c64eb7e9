import { cp, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import { GitRepositoryError } from './errors';
import { checkTreePath } from './repository-path';
import { gitText, runGit } from './run-git';

/** Who commits, and when, so emulated history is reproducible. */
export interface GitIdentity {
  readonly name: string;
  readonly email: string;
}

/** A gitlink to add: another repository's commit at `path`, fetched from `url`. */
export interface SubmoduleSpec {
  /** Path inside the tree, e.g. `vendor/lib`. */
  readonly path: string;
  /** URL written to `.gitmodules`; relative URLs (`../lib.git`) resolve against the superproject. */
  readonly url: string;
  /** The submodule commit the superproject pins. */
  readonly sha: string;
}

/** What to commit and where. */
export interface SnapshotCommitInput {
  readonly repoPath: string;
  readonly sourceDir: string;
  readonly branch: string;
  readonly message: string;
  readonly identity: GitIdentity;
  readonly date: Date;
  readonly submodules?: readonly SubmoduleSpec[];
}

const shaPattern = /^[0-9a-f]{40}$/;

/**
 * Commits a copy of `sourceDir` (every file, `.gitignore` not honoured) onto `branch` of a bare
 * repository and returns the new commit's sha.
 */
export async function commitSnapshot(input: SnapshotCommitInput): Promise<string> {
  await requireDirectory(input.sourceDir);
  const workDir = await mkdtemp(join(tmpdir(), 'taskfleet-git-'));
  try {
    const tree = join(workDir, 'tree');
    // A private copy is the working tree, so the caller's directory may change while we commit
    // and nested `.git` directories (which git refuses to track) are left behind.
    await cp(input.sourceDir, tree, {
      recursive: true,
      verbatimSymlinks: true,
      filter: src => src === input.sourceDir || basename(src) !== '.git',
    });
    const env = {
      GIT_DIR: input.repoPath,
      GIT_WORK_TREE: tree,
      GIT_INDEX_FILE: join(workDir, 'index'),
      ...identityEnv(input.identity, input.date),
    };
    const submodules = input.submodules ?? [];
    await writeGitmodules(tree, submodules, env);
    await runGit(['add', '--all', '--force', '--', '.'], { cwd: tree, env });
    for (const sub of submodules) {
      await runGit(['update-index', '--add', '--cacheinfo', `160000,${sub.sha},${sub.path}`], {
        cwd: tree,
        env,
      });
    }
    const treeSha = await gitText(['write-tree'], { env });
    const ref = `refs/heads/${input.branch}`;
    const parent = await resolveCommit(ref, env);
    const parentArgs = parent === undefined ? [] : ['-p', parent];
    const commit = await gitText(['commit-tree', treeSha, ...parentArgs, '-m', input.message], {
      env,
    });
    await compareAndSwapRef(ref, commit, parent, env);
    return commit;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** The environment that makes git record `identity` at `date` as author and committer. */
export function identityEnv(identity: GitIdentity, date: Date): Record<string, string> {
  const when = `@${Math.floor(date.getTime() / 1000)} +0000`;
  return {
    GIT_AUTHOR_NAME: identity.name,
    GIT_AUTHOR_EMAIL: identity.email,
    GIT_AUTHOR_DATE: when,
    GIT_COMMITTER_NAME: identity.name,
    GIT_COMMITTER_EMAIL: identity.email,
    GIT_COMMITTER_DATE: when,
  };
}

async function requireDirectory(dir: string): Promise<void> {
  const info = await stat(dir).catch((cause: unknown) => {
    throw new GitRepositoryError('source_not_found', 'could not read source directory', { cause });
  });
  if (!info.isDirectory()) {
    throw new GitRepositoryError('source_not_found', 'could not read source directory', {
      cause: new Error(`${dir} is not a directory`),
    });
  }
}

async function writeGitmodules(
  tree: string,
  submodules: readonly SubmoduleSpec[],
  env: Record<string, string>,
): Promise<void> {
  for (const sub of submodules) {
    checkTreePath(sub.path);
    if (!shaPattern.test(sub.sha) || sub.url === '' || /[\n\0]/.test(sub.url)) {
      throw new GitRepositoryError('invalid_submodule', 'could not accept submodule', {
        cause: new Error(`submodule ${sub.path} needs a 40-hex sha and a url`),
      });
    }
    // Whatever the copy holds at the gitlink's path would shadow it in the index.
    await rm(join(tree, sub.path), { recursive: true, force: true });
    // git itself writes .gitmodules, so quoting and an existing file's entries are handled.
    const file = join(tree, '.gitmodules');
    await runGit(['config', '--file', file, `submodule.${sub.path}.path`, sub.path], { env });
    await runGit(['config', '--file', file, `submodule.${sub.path}.url`, sub.url], { env });
  }
}

/** The commit a ref points at, or undefined when the ref does not exist. */
export async function resolveCommit(
  ref: string,
  env: Record<string, string>,
): Promise<string | undefined> {
  const result = await runGit(
    ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`],
    {
      env,
      okExitCodes: [1, 128],
    },
  );
  const sha = result.stdout.toString('utf8').trim();
  return result.exitCode === 0 && shaPattern.test(sha) ? sha : undefined;
}

async function compareAndSwapRef(
  ref: string,
  sha: string,
  expected: string | undefined,
  env: Record<string, string>,
): Promise<void> {
  // update-ref refuses when the ref moved since we read it: two commits racing on one branch
  // must not silently drop one of them.
  const result = await runGit(['update-ref', ref, sha, expected ?? ''], {
    env,
    okExitCodes: [1, 128],
  });
  if (result.exitCode !== 0) {
    throw new GitRepositoryError('concurrent_update', 'could not update branch', {
      cause: new Error(result.stderr.trim()),
    });
  }
}
