import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { FleetingError } from '../errors';
import { shellQuote, wrapWithEnv } from './remote-env';

const execFileAsync = promisify(execFile);

/** Runs `command` the way sshd does (login shell -c) with `stdin`, locally. */
async function runLocally(command: string, stdin: Buffer): Promise<string> {
  const child = execFileAsync('/bin/sh', ['-c', command], {
    env: { SHELL: '/bin/sh', PATH: process.env.PATH },
  });
  // A command that never reads stdin may exit before the write lands.
  child.child.stdin?.on('error', () => undefined);
  child.child.stdin?.end(stdin);
  return (await child).stdout;
}

describe('shellQuote', () => {
  it.each(['plain', "it's", 'a b', '$HOME `x`', ''])('keeps %j as one literal word', async text => {
    expect(await runLocally(`printf %s ${shellQuote(text)}`, Buffer.alloc(0))).toBe(text);
  });
});

describe('wrapWithEnv', () => {
  it('exports values with quotes, newlines and trailing newlines exactly', async () => {
    const env = { A: "it's $x", B: 'line1\nline2\n\n', EMPTY: '', U: 'grüße' };
    const wrapped = wrapWithEnv('printf "%s|%s|%s|%s" "$A" "$B" "$EMPTY" "$U"', env);
    expect(await runLocally(wrapped.command, wrapped.preamble)).toBe(
      "it's $x|line1\nline2\n\n||grüße",
    );
  });

  it('leaves the rest of stdin to the command', async () => {
    const wrapped = wrapWithEnv('cat; echo "$X"', { X: 'after' });
    const stdin = Buffer.concat([wrapped.preamble, Buffer.from('from stdin\n')]);
    expect(await runLocally(wrapped.command, stdin)).toBe('from stdin\nafter\n');
  });

  it('keeps values out of the command text', () => {
    const wrapped = wrapWithEnv('true', { TOKEN: 'secret-value' });
    expect(wrapped.command).not.toContain('secret-value');
    expect(wrapped.command).not.toContain(Buffer.from('secret-value').toString('base64'));
  });

  it.each(['1A', 'A-B', 'A=B', ''])('refuses the variable name %j', name => {
    expect(() => wrapWithEnv('true', { [name]: 'x' })).toThrow(FleetingError);
  });
});
