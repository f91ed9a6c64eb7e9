import { GitRepositoryError } from './errors';
import { checkRefName } from './repository-path';
import type { GitIdentity, SubmoduleSpec } from './snapshot-commit';
import { commitSnapshot, identityEnv, resolveCommit } from './snapshot-commit';
import { runGit } from './run-git';

/** Options for a new commit of a directory. */
export interface CommitDirectoryOptions {
  /** Branch to commit onto (created when missing); the default branch unless given. */
  readonly branch?: string;
  readonly message?: string;
  /** Gitlinks to other repositories' commits, with `.gitmodules` entries written for them. */
  readonly submodules?: readonly SubmoduleSpec[];
}

/** A bare git repository of one emulated GitLab project. */
export interface Repository {
  /** Absolute path of the bare repository directory. */
  readonly repoPath: string;
  /** e.g. `group/project`. */
  readonly pathWithNamespace: string;
  readonly defaultBranch: string;
  /** The commit `ref` (default: the default branch) points at; throws `ref_not_found`. */
  headSha(ref?: string): Promise<string>;
  /** A file's text at a commit (`git show sha:path`), or undefined when it is not a file there. */
  readFile(sha: string, path: string): Promise<string | undefined>;
  /** Every file path (blobs, not submodules) in a commit's tree, sorted. */
  listFiles(sha: string): Promise<string[]>;
  /** Commits a copy of `sourceDir` on top of the branch and returns the new sha. */
  commitDirectory(sourceDir: string, options?: CommitDirectoryOptions): Promise<string>;
  /** Creates `refs/tags/<name>`, annotated when `message` is given; throws `ref_exists`. */
  createTag(name: string, sha: string, options?: { message?: string }): Promise<void>;
  /** Creates `refs/heads/<name>` at `sha`; throws `ref_exists`. */
  createBranch(name: string, sha: string): Promise<void>;
  /** Points `refs/pipelines/<id>` (GitLab's persistent pipeline ref) at `sha`. */
  createPipelineRef(pipelineId: number, sha: string): Promise<void>;
  /** The commit a branch, tag, full ref or sha names, or undefined. */
  resolve(ref: string): Promise<string | undefined>;
}

/** Settings shared by every operation on one repository. */
export interface RepositorySettings {
  readonly repoPath: string;
  readonly pathWithNamespace: string;
  readonly defaultBranch: string;
  readonly identity: GitIdentity;
  /** When commits and annotated tags are dated. */
  readonly now: () => Date;
}

/** The `Repository` implementation over the real git binary. */
export class GitRepository implements Repository {
  readonly repoPath: string;
  readonly pathWithNamespace: string;
  readonly defaultBranch: string;
  private readonly settings: RepositorySettings;

  constructor(settings: RepositorySettings) {
    this.settings = settings;
    this.repoPath = settings.repoPath;
    this.pathWithNamespace = settings.pathWithNamespace;
    this.defaultBranch = settings.defaultBranch;
  }

  async headSha(ref: string = this.defaultBranch): Promise<string> {
    const sha = await this.resolve(ref);
    if (sha === undefined) {
      throw new GitRepositoryError('ref_not_found', 'could not resolve ref', {
        cause: new Error(`${this.pathWithNamespace} has no ref ${ref}`),
      });
    }
    return sha;
  }

  resolve(ref: string): Promise<string | undefined> {
    return resolveCommit(ref, this.env());
  }

  async readFile(sha: string, path: string): Promise<string | undefined> {
    if (/[\n\0]/.test(sha + path)) {
      return undefined;
    }
    // --batch answers "<spec> missing" instead of failing, so a missing file is not an error.
    const result = await runGit(['cat-file', '--batch'], {
      env: this.env(),
      input: `${sha}:${path.replace(/^\/+/, '')}\n`,
    });
    const out = result.stdout;
    const headerEnd = out.indexOf(10);
    const header = out.subarray(0, headerEnd).toString('utf8').split(' ');
    if (header[1] !== 'blob' || header[2] === undefined) {
      return undefined;
    }
    const sizeBytes = Number(header[2]);
    return out.subarray(headerEnd + 1, headerEnd + 1 + sizeBytes).toString('utf8');
  }

  async listFiles(sha: string): Promise<string[]> {
    const commit = await this.requireCommit(sha);
    const result = await runGit(['ls-tree', '-r', '-z', '--full-tree', commit], {
      env: this.env(),
    });
    const files: string[] = [];
    for (const entry of result.stdout.toString('utf8').split('\0')) {
      // "<mode> <type> <object>\t<path>"
      const tab = entry.indexOf('\t');
      if (tab > 0 && entry.slice(0, tab).split(' ')[1] === 'blob') {
        files.push(entry.slice(tab + 1));
      }
    }
    return files.sort();
  }

  commitDirectory(sourceDir: string, options: CommitDirectoryOptions = {}): Promise<string> {
    const branch = options.branch ?? this.defaultBranch;
    return checkRefName(`refs/heads/${branch}`).then(() =>
      commitSnapshot({
        repoPath: this.repoPath,
        sourceDir,
        branch,
        message: options.message ?? `Update ${this.pathWithNamespace}`,
        identity: this.settings.identity,
        date: this.settings.now(),
        submodules: options.submodules,
      }),
    );
  }

  async createTag(name: string, sha: string, options: { message?: string } = {}): Promise<void> {
    const ref = `refs/tags/${name}`;
    await checkRefName(ref);
    const commit = await this.requireCommit(sha);
    if (options.message === undefined) {
      await this.createRef(ref, commit);
      return;
    }
    if ((await this.resolve(ref)) !== undefined) {
      throw refExists(ref);
    }
    await runGit(['tag', '--annotate', '--message', options.message, '--', name, commit], {
      env: this.env(),
    });
  }

  async createBranch(name: string, sha: string): Promise<void> {
    const ref = `refs/heads/${name}`;
    await checkRefName(ref);
    await this.createRef(ref, await this.requireCommit(sha));
  }

  async createPipelineRef(pipelineId: number, sha: string): Promise<void> {
    if (!Number.isSafeInteger(pipelineId) || pipelineId <= 0) {
      throw new GitRepositoryError('invalid_ref', 'could not accept pipeline id', {
        cause: new Error(`pipeline id ${pipelineId} is not a positive integer`),
      });
    }
    const commit = await this.requireCommit(sha);
    // Unlike tags and branches GitLab moves this ref freely (a retried pipeline keeps its id).
    await runGit(['update-ref', `refs/pipelines/${pipelineId}`, commit], { env: this.env() });
  }

  private env(): Record<string, string> {
    return { GIT_DIR: this.repoPath, ...identityEnv(this.settings.identity, this.settings.now()) };
  }

  private async requireCommit(sha: string): Promise<string> {
    const commit = await this.resolve(sha);
    if (commit === undefined) {
      throw new GitRepositoryError('commit_not_found', 'could not find commit', {
        cause: new Error(`${this.pathWithNamespace} has no commit ${sha}`),
      });
    }
    return commit;
  }

  private async createRef(ref: string, sha: string): Promise<void> {
    // The empty old value makes update-ref fail if the ref already exists.
    const result = await runGit(['update-ref', ref, sha, ''], {
      env: this.env(),
      okExitCodes: [1, 128],
    });
    if (result.exitCode !== 0) {
      throw refExists(ref, result.stderr.trim());
    }
  }
}

function refExists(ref: string, detail = 'it already exists'): GitRepositoryError {
  return new GitRepositoryError('ref_exists', 'could not create ref', {
    cause: new Error(`${ref}: ${detail}`),
  });
}
