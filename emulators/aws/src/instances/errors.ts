/** Why the instance host could not do what it was asked. */
export type InstanceHostErrorCode =
  /** The host is not running as root, which mount namespaces and port 22 need. */
  | 'not_root'
  /** `sshd`, `ssh-keygen`, `unshare` or `mount` is not installed where expected. */
  | 'sshd_not_found'
  /** The host options cannot work, e.g. a state root under /tmp, which instances hide. */
  | 'invalid_options'
  /** The launch spec names a user, id or key that cannot be used safely. */
  | 'invalid_spec'
  /** A key passed to authorizeTemporaryKey is not one OpenSSH public key. */
  | 'invalid_key'
  /** The host was closed; it launches nothing more. */
  | 'host_closed'
  /** No free loopback address could be found for the instance's port. */
  | 'address_exhausted'
  /** sshd started but did not send its banner within the ready timeout. */
  | 'ready_timeout'
  /** sshd (or a helper such as ssh-keygen) exited or could not be started. */
  | 'spawn_failed'
  /** The instance was already terminated. */
  | 'instance_terminated'
  /** The instance's processes did not react to a signal within the bound. */
  | 'signal_timeout';

const retryableCodes: ReadonlySet<InstanceHostErrorCode> = new Set([
  'address_exhausted',
  'ready_timeout',
  'spawn_failed',
  'signal_timeout',
]);

/** Thrown when the host cannot launch, signal or remove a real instance. */
export class InstanceHostError extends Error {
  override readonly name = 'InstanceHostError';
  readonly code: InstanceHostErrorCode;
  /** Whether trying the same operation again may succeed. */
  readonly retryable: boolean;

  constructor(code: InstanceHostErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.retryable = retryableCodes.has(code);
  }
}
