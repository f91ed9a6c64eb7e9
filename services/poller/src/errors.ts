/** Stable codes for every way the poller can fail; never renamed. */
export type PollerErrorCode =
  /** The poller was given options it cannot work with (a programming or config error). */
  'invalid_argument';

/** Thrown by the poller for problems a caller must fix; branch on `code`. */
export class PollerError extends Error {
  override readonly name = 'PollerError';
  readonly code: PollerErrorCode;
  readonly retryable = false;

  constructor(code: PollerErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
  }
}
