/** Stable codes for the ways the executor can fail to run a job; never renamed. */
export type ExecutorErrorCode =
  /** The builds directory is not absolute where an absolute one is needed (a programming error). */
  | 'invalid_builds_dir'
  /** The job's project path would put its work tree outside its slot's directory. */
  | 'invalid_project_path'
  /**
   * `GIT_CLONE_PATH` is set while `[runners.custom_build_dir]` is off, or names a directory
   * outside the builds dir: the job's configuration error, as GitLab Runner reports it.
   */
  | 'invalid_clone_path'
  /** The instance did not report its login directory, so a relative builds dir has no base. */
  | 'builds_dir_unresolved'
  /** A queued job's payload could not be decrypted or read, so GitLab cannot be told. */
  | 'payload_unreadable'
  /** A queued job's payload decrypted but names no job id and token to report it with. */
  | 'payload_without_job'
  /** A queued job was encrypted under another payload key than this executor's. */
  | 'payload_key_mismatch'
  /** Redis could not be reached to read or change a job's durable record. */
  | 'job_record_unavailable'
  /** A job record's secrets could not be decrypted (another payload key, or altered). */
  | 'job_record_unreadable'
  /** Listing, archiving or unpacking files on the instance failed (artifacts, cache). */
  | 'remote_files_failed'
  /** An archive (zip, gzip) could not be written or read on the executor host. */
  | 'archive_failed'
  /** The cache store (S3) refused or failed a call. */
  | 'cache_store_failed';

/** Options of an ExecutorError. */
export interface ExecutorErrorOptions {
  readonly cause?: unknown;
}

/** An executor failure with a stable `code` and whether retrying the same call may help. */
export class ExecutorError extends Error {
  readonly code: ExecutorErrorCode;
  readonly retryable: boolean;

  constructor(code: ExecutorErrorCode, message: string, options: ExecutorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ExecutorError';
    this.code = code;
    this.retryable =
      code === 'builds_dir_unresolved' ||
      code === 'job_record_unavailable' ||
      code === 'cache_store_failed';
  }
}
