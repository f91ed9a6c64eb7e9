import { FleetingError } from '../errors';

const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

// POSIX sh that reads `NAME=<base64>` lines from stdin up to an empty line, exports each, then
// runs the command ($1) under the login shell with the rest of stdin. `read` takes one byte at
// a time from a pipe, so the caller's stdin after the empty line reaches the command untouched;
// printf is a builtin, so no value ever shows up in a process's arguments.
const DECODER =
  'while IFS= read -r l && [ -n "$l" ]; do ' +
  'v=$(printf %s "${l#*=}" | base64 -d; echo .); export "${l%%=*}=${v%.}"; ' +
  'done; exec "${SHELL:-/bin/sh}" -c "$1"';

/** Quotes `text` as one word for a POSIX shell. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * Wraps `command` so that `env` is exported on the instance from a stdin preamble rather than
 * through SSH `env` requests (which OpenSSH drops unless `AcceptEnv` names them) or command
 * arguments (which any local user can read); returns the command and the preamble to send first.
 */
export function wrapWithEnv(
  command: string,
  env: Readonly<Record<string, string>>,
): { command: string; preamble: Buffer } {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!NAME_PATTERN.test(name)) {
      throw new FleetingError('invalid_argument', `could not set variable ${JSON.stringify(name)}`);
    }
    lines.push(`${name}=${Buffer.from(value, 'utf8').toString('base64')}\n`);
  }
  return {
    command: `sh -c ${shellQuote(DECODER)} taskfleet-env ${shellQuote(command)}`,
    preamble: Buffer.from(`${lines.join('')}\n`, 'utf8'),
  };
}
