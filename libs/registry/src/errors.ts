/** Stable codes for every way a registry call can fail; never renamed. */
export type RegistryErrorCode =
  /** The caller's fencing token is not the current leader lease's token, or the lease expired. */
  | 'stale_fencing_token'
  /** The instance (or reservation) is not in the registry. */
  | 'not_found'
  /** The instance is in a state from which the asked-for change is not allowed. */
  | 'invalid_transition'
  /** The caller passed an argument the registry does not accept (a programming error). */
  | 'invalid_argument'
  /** A script found records that contradict each other; a person should look. */
  | 'inconsistent_state'
  /** Redis could not be reached or answered with an error. */
  | 'redis_unavailable';

const RETRYABLE_CODES: ReadonlySet<RegistryErrorCode> = new Set<RegistryErrorCode>([
  'redis_unavailable',
]);

/** Options of a RegistryError beyond its code and message. */
export interface RegistryErrorOptions {
  readonly cause?: unknown;
  readonly instanceId?: string;
  /** Overrides the code's default verdict, where the thrower knows better. */
  readonly retryable?: boolean;
}

/** Thrown by every registry call that fails; branch on `code`. */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  readonly code: RegistryErrorCode;
  readonly retryable: boolean;
  readonly instanceId: string | undefined;

  constructor(code: RegistryErrorCode, message: string, options: RegistryErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.instanceId = options.instanceId;
    this.retryable = options.retryable ?? RETRYABLE_CODES.has(code);
  }
}

const SCRIPT_CODES: ReadonlySet<string> = new Set<RegistryErrorCode>([
  'stale_fencing_token',
  'not_found',
  'invalid_transition',
  'invalid_argument',
  'inconsistent_state',
]);

/** Maps an error code a Lua script returned to its RegistryErrorCode; unknown ones are inconsistencies. */
export function scriptErrorCode(raw: string): RegistryErrorCode {
  return SCRIPT_CODES.has(raw) ? (raw as RegistryErrorCode) : 'inconsistent_state';
}
