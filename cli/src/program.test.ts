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
      emulators: options => {
        calls.push({ emulators: options });
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
  it.each(['poller', 'scaler', 'executor', 'all'])('run %s passes role and config', async role => {
    const { calls } = await parse(['run', role, '--config', 'c.toml']);
    expect(calls).toEqual([{ run: { role, configPath: 'c.toml' } }]);
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
});
