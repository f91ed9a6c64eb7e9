/** Why a git repository operation failed; stable for callers to branch on. */
export type GitRepositoryErrorCode =
  | 'invalid_path'
  | 'invalid_ref'
  | 'invalid_submodule'
  | 'source_not_found'
  | 'repository_exists'
  | 'repository_not_found'
  | 'ref_exists'
  | 'ref_not_found'
  | 'commit_not_found'
  | 'concurrent_update'
  | 'git_failed';

/** A failed operation on an emulated GitLab project's git repository. */
export class GitRepositoryError extends Error {
  override readonly name = 'GitRepositoryError';
  readonly code: GitRepositoryErrorCode;
  readonly retryable: boolean;

  constructor(
    code: GitRepositoryErrorCode,
    message: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    // Only a lost compare-and-swap race is worth repeating; everything else is a caller's mistake
    // or a broken repository.
    this.retryable = options.retryable ?? code === 'concurrent_update';
  }
}
