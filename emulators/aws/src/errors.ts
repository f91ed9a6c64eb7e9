/** Who caused an API error, as AWS reports it in `<Type>`. */
export type AwsFaultType = 'Sender' | 'Receiver';

/** An error the emulator returns to an API client, with the real AWS code, status and message. */
export class AwsApiError extends Error {
  override readonly name = 'AwsApiError';
  /** The AWS error code, e.g. `ValidationError` or `InvalidInstanceID.NotFound`. */
  readonly code: string;
  readonly httpStatus: number;
  readonly type: AwsFaultType;
  /** Whether the AWS SDKs retry it (throttling or a 5xx). */
  readonly retryable: boolean;

  constructor(
    code: string,
    message: string,
    options: { httpStatus?: number; type?: AwsFaultType; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.httpStatus = options.httpStatus ?? 400;
    this.type = options.type ?? (this.httpStatus >= 500 ? 'Receiver' : 'Sender');
    this.retryable = this.httpStatus >= 500 || THROTTLING_CODES.has(code);
  }
}

const THROTTLING_CODES = new Set([
  'Throttling',
  'RequestLimitExceeded',
  'ThrottlingException',
  'RequestThrottled',
]);

/** Auto Scaling's general bad-request error. */
export function validationError(message: string): AwsApiError {
  return new AwsApiError('ValidationError', message);
}

/** The codes of errors the emulator itself raises outside the AWS API (admin API, start-up). */
export type EmulatorErrorCode =
  'bad-request' | 'not-found' | 'conflict' | 'clock-not-manual' | 'listen-failed';

/** A failure of the emulator's own admin API or lifecycle, not an AWS API error. */
export class EmulatorError extends Error {
  override readonly name = 'EmulatorError';
  readonly code: EmulatorErrorCode;
  readonly retryable: boolean;

  constructor(code: EmulatorErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.retryable = false;
  }

  /** The HTTP status the admin API answers with for this error. */
  get httpStatus(): number {
    switch (this.code) {
      case 'not-found':
        return 404;
      case 'conflict':
      case 'clock-not-manual':
        return 409;
      case 'bad-request':
        return 400;
      case 'listen-failed':
        return 500;
    }
  }
}
