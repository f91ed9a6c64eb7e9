import { FleetingError } from '../errors';
import type { FleetingErrorCode } from '../errors';
import { classifySshError } from './classify-ssh-error';
import type { SshPhase } from './classify-ssh-error';

/** An error shaped as ssh2 emits it: a message plus `level` and sometimes `code`. */
function ssh2Error(message: string, fields: { level?: string; code?: string | number }): Error {
  return Object.assign(new Error(message), fields);
}

describe('classifySshError', () => {
  const table: [string, unknown, SshPhase, FleetingErrorCode, boolean][] = [
    [
      'readyTimeout',
      ssh2Error('Timed out while waiting for handshake', { level: 'client-timeout' }),
      'dial',
      'connect_timeout',
      true,
    ],
    [
      'keepalive timeout',
      ssh2Error('Keepalive timeout', { level: 'client-timeout' }),
      'session',
      'connection_lost',
      true,
    ],
    [
      'refused',
      ssh2Error('connect ECONNREFUSED 127.0.0.1:22', {
        level: 'client-socket',
        code: 'ECONNREFUSED',
      }),
      'dial',
      'connect_refused',
      true,
    ],
    [
      'host unreachable',
      ssh2Error('connect EHOSTUNREACH', { level: 'client-socket', code: 'EHOSTUNREACH' }),
      'dial',
      'connect_timeout',
      true,
    ],
    [
      'reset while dialing',
      ssh2Error('read ECONNRESET', { level: 'client-socket', code: 'ECONNRESET' }),
      'dial',
      'connection_lost',
      true,
    ],
    [
      'reset in session',
      ssh2Error('read ECONNRESET', { level: 'client-socket', code: 'ECONNRESET' }),
      'session',
      'connection_lost',
      true,
    ],
    [
      'dns',
      ssh2Error('getaddrinfo ENOTFOUND nowhere', { level: 'client-dns', code: 'ENOTFOUND' }),
      'dial',
      'connect_refused',
      true,
    ],
    [
      'auth',
      ssh2Error('All configured authentication methods failed', {
        level: 'client-authentication',
      }),
      'dial',
      'auth_failed',
      false,
    ],
    [
      'handshake',
      ssh2Error('Handshake failed: no matching key exchange algorithm', { level: 'handshake' }),
      'dial',
      'protocol_error',
      false,
    ],
    [
      'lost before handshake',
      ssh2Error('Connection lost before handshake', { level: 'protocol' }),
      'dial',
      'connection_lost',
      true,
    ],
    [
      'disconnect: no more auth methods',
      ssh2Error('No more authentication methods available', { code: 14 }),
      'dial',
      'auth_failed',
      false,
    ],
    [
      'disconnect: too many connections',
      ssh2Error('Too many connections', { code: 12 }),
      'dial',
      'connection_lost',
      true,
    ],
    [
      'disconnect: protocol error',
      ssh2Error('Protocol error', { code: 2 }),
      'session',
      'protocol_error',
      false,
    ],
    [
      'abort',
      Object.assign(new Error('aborted'), { name: 'AbortError' }),
      'dial',
      'canceled',
      false,
    ],
    ['not an error', 'boom', 'session', 'connection_lost', true],
  ];

  it.each(table)('%s', (_label, input, phase, code, retryable) => {
    const classified = classifySshError(input, phase, 'i-1');
    expect(classified.code).toBe(code);
    expect(classified.retryable).toBe(retryable);
    expect(classified.instanceId).toBe('i-1');
    expect(classified.cause).toBe(input);
  });

  it('passes FleetingErrors through unchanged', () => {
    const original = new FleetingError('canceled', 'could not dial: aborted');
    expect(classifySshError(original, 'dial')).toBe(original);
  });
});
