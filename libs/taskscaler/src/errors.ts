/** Errors of the taskscaler planner; all of them are bad input that retrying cannot fix. */

/** Stable codes of {@link TaskscalerError}. */
export type TaskscalerErrorCode = 'invalid_period' | 'invalid_timezone' | 'invalid_setting';

/** Thrown when a policy or setting handed to the planner cannot be evaluated. */
export class TaskscalerError extends Error {
  /** What was wrong. */
  readonly code: TaskscalerErrorCode;
  /** Bad input never heals by retrying. */
  readonly retryable = false;

  constructor(code: TaskscalerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TaskscalerError';
    this.code = code;
  }
}
