/** Errors of the scaler service. */

/** Stable codes of {@link ScalerError}. */
export type ScalerErrorCode = 'invalid_option' | 'closed' | 'ready_check_failed';

/** Options of {@link ScalerError}. */
export interface ScalerErrorOptions {
  readonly cause?: unknown;
  readonly instanceId?: string;
}

const retryableCodes: ReadonlySet<ScalerErrorCode> = new Set(['ready_check_failed']);

/** Raised by the scaler when it is misconfigured, used after close, or a ready check fails. */
export class ScalerError extends Error {
  /** Why the operation failed. */
  readonly code: ScalerErrorCode;
  /** Whether trying again later may succeed. */
  readonly retryable: boolean;
  /** The instance concerned, when there is one. */
  readonly instanceId: string | undefined;

  constructor(code: ScalerErrorCode, message: string, options: ScalerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ScalerError';
    this.code = code;
    this.retryable = retryableCodes.has(code);
    this.instanceId = options.instanceId;
  }
}
