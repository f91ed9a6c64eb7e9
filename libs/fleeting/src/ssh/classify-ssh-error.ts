import { FleetingError } from '../errors';
import type { FleetingErrorCode } from '../errors';

/** When an ssh2 error happened: while establishing the session, or on an established one. */
export type SshPhase = 'dial' | 'session';

/** The shape of errors ssh2 emits: `level` says which layer failed; `code` is errno or reason. */
interface Ssh2ErrorShape {
  readonly level?: unknown;
  readonly code?: unknown;
}

// SSH_MSG_DISCONNECT reason codes (RFC 4253 §11.1) that ssh2 puts in `code` without a `level`.
const DISCONNECT_AUTH_REASONS = new Set([13, 14, 15]);
const DISCONNECT_TRANSIENT_REASONS = new Set([7, 10, 12]);

// Socket errno values that mean "nobody is listening there (yet)".
const REFUSED_ERRNOS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
// Socket errno values that mean "the network did not answer in time".
const UNREACHABLE_ERRNOS = new Set(['ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

function codeFor(error: Ssh2ErrorShape, phase: SshPhase): FleetingErrorCode {
  const level = error.level;
  const errno = typeof error.code === 'string' ? error.code : undefined;
  switch (level) {
    case 'client-timeout':
      // Before `ready` this is ssh2's readyTimeout; after it, the keepalive count ran out.
      return phase === 'dial' ? 'connect_timeout' : 'connection_lost';
    case 'client-socket':
      if (phase === 'dial' && errno !== undefined && REFUSED_ERRNOS.has(errno)) {
        return 'connect_refused';
      }
      if (phase === 'dial' && errno !== undefined && UNREACHABLE_ERRNOS.has(errno)) {
        return 'connect_timeout';
      }
      return 'connection_lost';
    case 'client-dns':
      return 'connect_refused';
    case 'client-authentication':
    case 'agent':
      return 'auth_failed';
    case 'handshake':
      // No algorithm in common, or a host key that does not verify: retrying cannot help.
      return 'protocol_error';
    case 'protocol':
      // ssh2 uses this level for a socket closed before the banner and for garbled packets;
      // both leave no usable connection, and a booting sshd produces the first.
      return 'connection_lost';
    default:
      break;
  }
  if (typeof error.code === 'number') {
    if (DISCONNECT_AUTH_REASONS.has(error.code)) {
      return 'auth_failed';
    }
    return DISCONNECT_TRANSIENT_REASONS.has(error.code) ? 'connection_lost' : 'protocol_error';
  }
  return 'connection_lost';
}

/**
 * Maps any error ssh2 emits (by its `level`, errno or disconnect reason, never its message) to
 * a FleetingError; FleetingErrors pass through unchanged, aborts become `canceled`.
 */
export function classifySshError(
  error: unknown,
  phase: SshPhase,
  instanceId?: string,
): FleetingError {
  if (error instanceof FleetingError) {
    return error;
  }
  const shape: Ssh2ErrorShape = typeof error === 'object' && error !== null ? error : {};
  // By name, not instanceof: Node's own AbortError may come from another realm (Jest, vm).
  const isAbort = (shape as { name?: unknown }).name === 'AbortError';
  const code: FleetingErrorCode = isAbort ? 'canceled' : codeFor(shape, phase);
  const verb = phase === 'dial' ? 'connect to' : 'keep the connection to';
  return new FleetingError(
    code,
    `could not ${verb} instance${instanceId ? ` ${instanceId}` : ''}`,
    {
      cause: error,
      ...(instanceId === undefined ? {} : { instanceId }),
    },
  );
}
