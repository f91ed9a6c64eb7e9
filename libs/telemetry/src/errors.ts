/** Errors of the telemetry endpoints. */

/** Stable codes of {@link TelemetryError}. */
export type TelemetryErrorCode = 'listen_failed' | 'invalid_argument';

/** Thrown when the metrics and health listener cannot start, or a figure is misdeclared. */
export class TelemetryError extends Error {
  /** What went wrong. */
  readonly code: TelemetryErrorCode;
  /** A busy port may free up; a bad argument never heals. */
  readonly retryable: boolean;

  constructor(
    code: TelemetryErrorCode,
    message: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TelemetryError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}
