/** Errors of the scaler service. */

/** Stable codes of {@link ScalerError}. */
export type ScalerErrorCode = 'invalid_option' | 'closed' | 'redis_unavailable';

/** Options of {@link ScalerError}. */
export interface ScalerErrorOptions {
  readonly cause?: unknown;
  readonly instanceId?: string;
}

/** Raised by the scaler when it is misconfigured or used after close. */
export class ScalerError extends Error {
  /** Why the operation failed. */
  readonly code: ScalerErrorCode;
  /** Only Redis heals by retrying; for the others fix the options, or make a new scaler. */
  readonly retryable: boolean;
  /** The instance concerned, when there is one. */
  readonly instanceId: string | undefined;

  constructor(code: ScalerErrorCode, message: string, options: ScalerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ScalerError';
    this.code = code;
    this.retryable = code === 'redis_unavailable';
    this.instanceId = options.instanceId;
  }
}
