/** Stable codes of the taskfleet command's own failures. */
export type CliErrorCode =
  | 'redis_unreachable'
  | 'invalid_argument'
  | 'demo_failed'
  | 'timeout'
  | 'interrupted'
  | 'not_ready'
  | 'address_in_use';

/** An error of the taskfleet command, with a stable code and the cause kept. */
export class CliError extends Error {
  /** Why the command failed. */
  readonly code: CliErrorCode;
  /** Whether running the command again may succeed. */
  readonly retryable: boolean;

  constructor(
    code: CliErrorCode,
    message: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}
