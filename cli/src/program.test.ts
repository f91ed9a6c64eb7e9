import { runnerVersion } from '@taskfleet/executor';

import type { CommandHandlers } from './program';
import { buildProgram } from './program';

function recordingHandlers(): { handlers: CommandHandlers; calls: unknown[] } {
  const calls: unknown[] = [];
  return {
    calls,
    handlers: {
      run: options => {
        calls.push({ run: options });
        return Promise.resolve();
      },
      check: options => {
        calls.push({ check: options });
        return Promise.resolve();
      },
      emulators: options => {
        calls.push({ emulators: options });
        return Promise.resolve();
      },
      demo: options => {
        calls.push({ demo: options });
        return Promise.resolve();
      },
      sandbox: options => {
        calls.push({ sandbox: options });
        return Promise.resolve();
      },
    },
  };
}

async function parse(args: string[]): Promise<{ calls: unknown[]; errors: string[] }> {
  const { handlers, calls } = recordingHandlers();
  const errors: string[] = [];
  const program = buildProgram(handlers)
    .exitOverride()
    .configureOutput({
      writeErr: text => errors.push(text),
      writeOut: () => undefined,
    });
  for (const command of program.commands) {
    command.exitOverride().configureOutput({
      writeErr: text => errors.push(text),
      writeOut: () => undefined,
    });
  }
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch {
    // exitOverride turns a parse error into a throw; the message is in `errors`.
  }
  return { calls, errors };
}

describe('taskfleet command line', () => {
  it('knows its version, the one GitLab is told', () => {
    expect(buildProgram(recordingHandlers().handlers).version()).toBe(runnerVersion);
  });

  it.each(['poller', 'scaler', 'executor', 'all'])('run %s passes role and config', async role => {
    const { calls } = await parse(['run', role, '--config', 'c.toml']);
    expect(calls).toEqual([{ run: { role, configPath: 'c.toml' } }]);
  });

  it('check passes the config and requires it', async () => {
    expect((await parse(['check', '--config', 'c.toml'])).calls).toEqual([
      { check: { configPath: 'c.toml' } },
    ]);
    const missing = await parse(['check']);
    expect(missing.calls).toEqual([]);
    expect(missing.errors.join('')).toContain('--config');
  });

  it('refuses an unknown role and names the choices', async () => {
    const { calls, errors } = await parse(['run', 'scheduler', '--config', 'c.toml']);
    expect(calls).toEqual([]);
    expect(errors.join('')).toContain('expected one of poller, scaler, executor, all');
  });

  it('requires --config', async () => {
    const { calls, errors } = await parse(['run', 'all']);
    expect(calls).toEqual([]);
    expect(errors.join('')).toContain("required option '--config <file>' not specified");
  });

  it('run takes a per-process --listen-address, or off, and refuses a bad one', async () => {
    const args = ['run', 'scaler', '--config', 'c.toml', '--listen-address'];
    expect((await parse([...args, '127.0.0.1:9253'])).calls).toEqual([
      {
        run: {
          role: 'scaler',
          configPath: 'c.toml',
          listenAddress: { host: '127.0.0.1', port: 9253 },
        },
      },
    ]);
    expect((await parse([...args, 'off'])).calls).toEqual([
      { run: { role: 'scaler', configPath: 'c.toml', listenAddress: null } },
    ]);
    const bad = await parse([...args, '9253']);
    expect(bad.calls).toEqual([]);
    expect(bad.errors.join('')).toContain('expected "host:port", ":port" or "off"');
  });

  it('refuses extra arguments', async () => {
    const { calls } = await parse(['run', 'all', 'extra', '--config', 'c.toml']);
    expect(calls).toEqual([]);
  });

  it('emulators takes the launcher options', async () => {
    const { calls } = await parse(['emulators', '--aws-port', '0', '--log-level', 'warn']);
    expect(calls).toEqual([
      { emulators: expect.objectContaining({ awsPort: 0, gitlabPort: 0, logLevel: 'warn' }) },
    ]);
  });

  it('demo defaults to the examples, progress output and a 300 s bound', async () => {
    const { calls } = await parse(['demo']);
    expect(calls).toEqual([
      {
        demo: {
          projectDir: undefined,
          json: false,
          variablesFile: undefined,
          timeoutMs: 300_000,
          redisUrl: 'redis://127.0.0.1:6379',
        },
      },
    ]);
  });

  it('demo --project --json --variables --timeout', async () => {
    const args = ['demo', '--project', 'p', '--json', '--variables', 'v.json', '--timeout', '60'];
    const { calls } = await parse([...args, '--redis-url', 'redis://127.0.0.1:6380']);
    expect(calls).toEqual([
      {
        demo: {
          projectDir: 'p',
          json: true,
          variablesFile: 'v.json',
          timeoutMs: 60_000,
          redisUrl: 'redis://127.0.0.1:6380',
        },
      },
    ]);
  });

  it('demo refuses a timeout that is not whole seconds', async () => {
    const { calls, errors } = await parse(['demo', '--timeout', '1.5']);
    expect(calls).toEqual([]);
    expect(errors.join('')).toContain('expected a whole number of seconds');
  });

  it('sandbox needs --config-out and defaults the Redis URL', async () => {
    expect((await parse(['sandbox', '--config-out', 'c.toml'])).calls).toEqual([
      { sandbox: { configOut: 'c.toml', redisUrl: 'redis://127.0.0.1:6379' } },
    ]);
    const { calls, errors } = await parse(['sandbox']);
    expect(calls).toEqual([]);
    expect(errors.join('')).toContain("required option '--config-out <file>' not specified");
  });
});
