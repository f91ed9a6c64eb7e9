/** Why an emulator operation was refused; stable for callers and admin clients to branch on. */
export type GitlabEmulatorErrorCode =
  'invalid_request' | 'not_found' | 'conflict' | 'pipeline_invalid' | 'start_failed';

const httpStatusByCode: Record<GitlabEmulatorErrorCode, number> = {
  invalid_request: 400,
  not_found: 404,
  conflict: 409,
  pipeline_invalid: 400,
  start_failed: 500,
};

/** A failed admin or lifecycle operation of the GitLab emulator. */
export class GitlabEmulatorError extends Error {
  override readonly name = 'GitlabEmulatorError';
  readonly code: GitlabEmulatorErrorCode;
  readonly retryable: boolean;
  /** Extra detail for admin clients, e.g. the CI lint errors of a rejected `.gitlab-ci.yml`. */
  readonly details: readonly string[];

  constructor(
    code: GitlabEmulatorErrorCode,
    message: string,
    options: { cause?: unknown; details?: readonly string[] } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    // Every refusal here is the caller's mistake or a broken set-up; repeating does not help.
    this.retryable = false;
    this.details = options.details ?? [];
  }

  /** The HTTP status the admin API answers this error with. */
  get httpStatus(): number {
    return httpStatusByCode[this.code];
  }
}
