import type { LauncherOptions } from './launcher-options';
import { launcherCommand } from './launcher-options';

async function parse(args: string[]): Promise<LauncherOptions> {
  let parsed: LauncherOptions | undefined;
  const command = launcherCommand(options => {
    parsed = options;
    return Promise.resolve();
  })
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  await command.parseAsync(args, { from: 'user' });
  if (parsed === undefined) {
    throw new Error('the action did not run');
  }
  return parsed;
}

describe('launcher options', () => {
  it('defaults every port to 0 and the log level to info', async () => {
    expect(await parse([])).toEqual({
      awsPort: 0,
      awsAdminPort: 0,
      gitlabPort: 0,
      gitlabAdminPort: 0,
      stateDir: undefined,
      logLevel: 'info',
    });
  });

  it('reads ports, the state directory and the log level', async () => {
    const options = await parse([
      '--aws-port',
      '4566',
      '--aws-admin-port',
      '4567',
      '--gitlab-port=8080',
      '--gitlab-admin-port',
      '8081',
      '--state-dir',
      '/var/tmp/taskfleet-emulators',
      '--log-level',
      'debug',
    ]);

    expect(options).toEqual({
      awsPort: 4566,
      awsAdminPort: 4567,
      gitlabPort: 8080,
      gitlabAdminPort: 8081,
      stateDir: '/var/tmp/taskfleet-emulators',
      logLevel: 'debug',
    });
  });

  it.each([
    [['--aws-port', '-1']],
    [['--aws-port', '65536']],
    [['--gitlab-port', '80x']],
    [['--gitlab-admin-port', '']],
    [['--log-level', 'loud']],
    [['--state-dir', '/tmp/emulators']],
    [['--unknown']],
    [['extra']],
  ])('rejects %j', async args => {
    await expect(parse(args)).rejects.toMatchObject({
      code: expect.stringMatching(/^commander\./),
    });
  });
});
