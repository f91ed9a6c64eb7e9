/** Stable codes for every way a fleeting provider or connector call can fail; never renamed. */
export type FleetingErrorCode =
  /** The provider does not know the instance (never existed, or already gone). */
  | 'instance_not_found'
  /** The instance exists but the cloud reports it unusable (failed health, interrupted). */
  | 'instance_unhealthy'
  /** The request would exceed the group's or the account's capacity. */
  | 'capacity_exceeded'
  /** The cloud API could not be reached or answered with a server error. */
  | 'provider_unavailable'
  /** The cloud API refused the call for now because of its rate limit. */
  | 'throttled'
  /** Settings or credentials are wrong; retrying without a change cannot help. */
  | 'invalid_config'
  /** The caller passed an argument the port does not accept (a programming error). */
  | 'invalid_argument'
  /** The provider does not implement the requested capability. */
  | 'unsupported'
  /** No SSH session could be established within the connect timeout. */
  | 'connect_timeout'
  /** The instance refused or reset the TCP connection. */
  | 'connect_refused'
  /** The instance rejected every credential offered. */
  | 'auth_failed'
  /** An established connection died: the peer closed it, or stopped answering keepalives. */
  | 'connection_lost'
  /** The remote side refused to start a command (channel or exec request rejected). */
  | 'command_failed'
  /** The peer spoke the SSH protocol wrongly or with no algorithm in common. */
  | 'protocol_error'
  /** The caller aborted the operation. */
  | 'canceled'
  /** The provider or connection was already shut down or closed. */
  | 'shut_down';

const RETRYABLE_CODES: ReadonlySet<FleetingErrorCode> = new Set<FleetingErrorCode>([
  'provider_unavailable',
  'throttled',
  'connect_timeout',
  'connect_refused',
  'connection_lost',
]);

const ALL_CODES: ReadonlySet<string> = new Set<FleetingErrorCode>([
  'instance_not_found',
  'instance_unhealthy',
  'capacity_exceeded',
  'provider_unavailable',
  'throttled',
  'invalid_config',
  'invalid_argument',
  'unsupported',
  'connect_timeout',
  'connect_refused',
  'auth_failed',
  'connection_lost',
  'command_failed',
  'protocol_error',
  'canceled',
  'shut_down',
]);

// Symbol.for, so that two copies of this package in one process still recognise each other.
const BRAND = Symbol.for('taskfleet.fleeting.error');

/** Options of a FleetingError beyond its code and message. */
export interface FleetingErrorOptions {
  readonly cause?: unknown;
  readonly instanceId?: string;
  /** Overrides the code's default verdict, where the thrower knows better. */
  readonly retryable?: boolean;
}

/** The plain-data form of a FleetingError, as sent between processes. */
export interface FleetingErrorJson {
  readonly name: 'FleetingError';
  readonly code: FleetingErrorCode;
  readonly message: string;
  readonly retryable: boolean;
  readonly instanceId?: string;
}

/** Whether the code's failure may go away when the same call is simply tried again later. */
export function isRetryableCode(code: FleetingErrorCode): boolean {
  return RETRYABLE_CODES.has(code);
}

/** Thrown or returned by every provider and connector call that fails; branch on `code`. */
export class FleetingError extends Error {
  override readonly name = 'FleetingError';
  readonly code: FleetingErrorCode;
  readonly retryable: boolean;
  readonly instanceId: string | undefined;
  readonly [BRAND] = true;

  constructor(code: FleetingErrorCode, message: string, options: FleetingErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.instanceId = options.instanceId;
    this.retryable = options.retryable ?? isRetryableCode(code);
  }

  /**
   * Whether `value` is a FleetingError: an instance from any copy of this package (by brand), or
   * its plain-data form after JSON or structured cloning of `toJSON()` (by name and known code).
   * A structured clone of the Error object itself keeps neither name nor code in V8, so errors
   * cross process boundaries as `toJSON()`.
   */
  static is(value: unknown): value is FleetingError | FleetingErrorJson {
    if (typeof value !== 'object' || value === null) {
      return false;
    }
    if ((value as { [BRAND]?: unknown })[BRAND] === true) {
      return true;
    }
    const candidate = value as { name?: unknown; code?: unknown };
    return (
      candidate.name === 'FleetingError' &&
      typeof candidate.code === 'string' &&
      ALL_CODES.has(candidate.code)
    );
  }

  /** The plain-data form for logs and process boundaries; the cause is left out on purpose. */
  toJSON(): FleetingErrorJson {
    return {
      name: 'FleetingError',
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.instanceId === undefined ? {} : { instanceId: this.instanceId }),
    };
  }
}
