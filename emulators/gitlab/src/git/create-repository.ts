import { mkdir, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

import { GitRepositoryError } from './errors';
import type { Repository } from './repository';
import { GitRepository } from './repository';
import { checkRefName, repositoryDir } from './repository-path';
import type { GitIdentity } from './snapshot-commit';
import { commitSnapshot } from './snapshot-commit';
import { gitText, runGit } from './run-git';

/** Where a project's repository lives and who commits to it. */
export interface OpenRepositoryOptions {
  /** Directory that holds every project's bare repository (`<rootDir>/<group>/<project>.git`). */
  readonly rootDir: string;
  /** e.g. `group/project` or `group/subgroup/project`. */
  readonly pathWithNamespace: string;
  /** Author and committer of the emulator's commits. */
  readonly author?: GitIdentity;
  /** When commits are dated; a fixed instant unless given, so shas are reproducible. */
  readonly now?: () => Date;
}

/** What a new project's repository starts from. */
export interface CreateRepositoryOptions extends OpenRepositoryOptions {
  /** Directory whose contents become the first commit. */
  readonly sourceDir: string;
  /** Branch of the first commit and HEAD; `main` unless given. */
  readonly defaultBranch?: string;
  /** Message of the first commit. */
  readonly message?: string;
}

/** The author of the emulator's commits unless the caller names one. */
export const defaultGitIdentity: GitIdentity = Object.freeze({
  name: 'Taskfleet Emulator',
  email: 'emulator@taskfleet.invalid',
});

const fixedCommitDate = new Date('2026-01-01T00:00:00Z');

// What runners need from the server side of a fetch (see the runner API reference, git_info):
// fetching a pipeline's sha directly, shallow fetches, and no pushes.
const repositoryConfig: readonly (readonly [string, string])[] = [
  ['uploadpack.allowReachableSHA1InWant', 'true'],
  ['uploadpack.allowAnySHA1InWant', 'true'],
  ['uploadpack.allowTipSHA1InWant', 'true'],
  ['uploadpack.allowFilter', 'true'],
  ['http.uploadpack', 'true'],
  // http-backend enables receive-pack whenever REMOTE_USER is set; the emulator is read-only.
  ['http.receivepack', 'false'],
  ['http.getanyfile', 'false'],
  ['receive.denyNonFastForwards', 'true'],
];

/** Creates a project's bare repository from a directory's contents and returns it. */
export async function createRepository(options: CreateRepositoryOptions): Promise<Repository> {
  const repoPath = repositoryDir(options.rootDir, options.pathWithNamespace);
  const defaultBranch = options.defaultBranch ?? 'main';
  await checkRefName(`refs/heads/${defaultBranch}`);
  if (await exists(repoPath)) {
    throw new GitRepositoryError('repository_exists', 'could not create repository', {
      cause: new Error(`${repoPath} already exists`),
    });
  }
  await mkdir(dirname(repoPath), { recursive: true });
  try {
    await runGit(['init', '--bare', '--quiet', `--initial-branch=${defaultBranch}`, repoPath]);
    for (const [key, value] of repositoryConfig) {
      await runGit(['config', key, value], { env: { GIT_DIR: repoPath } });
    }
    const repository = repositoryAt(repoPath, options, defaultBranch);
    await commitSnapshot({
      repoPath,
      sourceDir: options.sourceDir,
      branch: defaultBranch,
      message: options.message ?? 'Initial commit',
      identity: options.author ?? defaultGitIdentity,
      date: (options.now ?? (() => fixedCommitDate))(),
    });
    return repository;
  } catch (error) {
    // A half-made repository would block a corrected second attempt with repository_exists.
    await rm(repoPath, { recursive: true, force: true });
    throw error;
  }
}

/** Opens a repository made earlier by `createRepository` (e.g. from a state directory). */
export async function openRepository(options: OpenRepositoryOptions): Promise<Repository> {
  const repoPath = repositoryDir(options.rootDir, options.pathWithNamespace);
  if (!(await exists(repoPath))) {
    throw new GitRepositoryError('repository_not_found', 'could not open repository', {
      cause: new Error(`${repoPath} does not exist`),
    });
  }
  const head = await gitText(['symbolic-ref', '--short', 'HEAD'], { env: { GIT_DIR: repoPath } });
  return repositoryAt(repoPath, options, head);
}

function repositoryAt(
  repoPath: string,
  options: OpenRepositoryOptions,
  defaultBranch: string,
): Repository {
  return new GitRepository({
    repoPath,
    pathWithNamespace: options.pathWithNamespace,
    defaultBranch,
    identity: options.author ?? defaultGitIdentity,
    now: options.now ?? (() => fixedCommitDate),
  });
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
