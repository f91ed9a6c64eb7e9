/** Why a call on a pipeline was refused; stable so the HTTP layer can map it to a status. */
export type PipelineErrorCode = 'unknown_job' | 'invalid_transition' | 'not_retryable';

/** A call on a pipeline that its current state does not allow (e.g. playing a job that is not manual). */
export class PipelineError extends Error {
  override readonly name = 'PipelineError';
  readonly code: PipelineErrorCode;
  readonly retryable = false;

  constructor(code: PipelineErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
  }
}

/**
 * Collects configuration problems so a rejected `.gitlab-ci.yml` reports all of them at once,
 * in GitLab's wording (`jobs:<name>:<key> config ...`).
 */
export class ConfigProblems {
  private readonly messages: string[] = [];

  /** Records one problem. */
  add(message: string): void {
    if (!this.messages.includes(message)) {
      this.messages.push(message);
    }
  }

  /** `true` when nothing was recorded. */
  isEmpty(): boolean {
    return this.messages.length === 0;
  }

  /** The problems in the order they were found. */
  list(): string[] {
    return [...this.messages];
  }
}

/** Thrown inside the loader for a problem that stops further processing (e.g. broken YAML). */
export class ConfigAbort extends Error {
  override readonly name = 'ConfigAbort';
  readonly code = 'config_invalid';
  readonly retryable = false;
}
