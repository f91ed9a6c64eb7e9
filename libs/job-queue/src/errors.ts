/** Stable codes for every way a job-queue call can fail; never renamed. */
export type JobQueueErrorCode =
  /** The caller passed an argument the queue does not accept (a programming error). */
  | 'invalid_argument'
  /** The payload key is not 32 bytes. */
  | 'invalid_key'
  /** The envelope is not one this version can read (unknown version, missing or bad fields). */
  | 'unsupported_envelope'
  /** The ciphertext failed authentication: tampered with, or encrypted under another key. */
  | 'payload_auth_failed'
  /** The envelope names another key id: the writer's payload key differs from the reader's. */
  | 'payload_key_mismatch'
  /** Redis could not be reached or answered with an error. */
  | 'redis_unavailable';

const RETRYABLE_CODES: ReadonlySet<JobQueueErrorCode> = new Set<JobQueueErrorCode>([
  'redis_unavailable',
]);

/** Thrown by every job-queue call that fails; branch on `code`. */
export class JobQueueError extends Error {
  override readonly name = 'JobQueueError';
  readonly code: JobQueueErrorCode;
  readonly retryable: boolean;

  constructor(code: JobQueueErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.retryable = RETRYABLE_CODES.has(code);
  }
}
