import { resolve, sep } from 'node:path';

import { Command, InvalidArgumentError, Option } from 'commander';
import type { LevelWithSilent } from 'pino';

import { LauncherError } from './errors';

/** What `npm run emulators` was asked to do, parsed and checked. */
export interface LauncherOptions {
  readonly awsPort: number;
  readonly awsAdminPort: number;
  readonly gitlabPort: number;
  readonly gitlabAdminPort: number;
  /** Root of the emulators' files; each emulator's own default when absent. */
  readonly stateDir: string | undefined;
  readonly logLevel: LevelWithSilent;
}

const logLevels: readonly LevelWithSilent[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new InvalidArgumentError('expected a TCP port from 0 to 65535 (0 = any free port)');
  }
  return port;
}

function parseStateDir(value: string): string {
  const dir = resolve(value);
  // Instances run in private mount namespaces with their own /tmp, which hides anything below it.
  if (dir === '/tmp' || dir.startsWith(`/tmp${sep}`)) {
    throw new InvalidArgumentError('must not be under /tmp (emulated instances hide it)');
  }
  return dir;
}

/** Builds the command-line definition; `run` receives the parsed options. */
export function launcherCommand(run: (options: LauncherOptions) => Promise<void>): Command {
  const portOption = (flag: string, what: string): Option =>
    new Option(`${flag} <port>`, `${what} port on 127.0.0.1 (0 = any free port)`)
      .argParser(parsePort)
      .default(0);
  return new Command('emulators')
    .description('Start the AWS and GitLab emulators on loopback and print their URLs as JSON')
    .addOption(portOption('--aws-port', 'AWS API'))
    .addOption(portOption('--aws-admin-port', 'AWS admin API'))
    .addOption(portOption('--gitlab-port', 'GitLab API'))
    .addOption(portOption('--gitlab-admin-port', 'GitLab admin API'))
    .addOption(
      new Option(
        '--state-dir <dir>',
        'directory for repositories, artifacts and instances',
      ).argParser(parseStateDir),
    )
    .addOption(
      new Option('--log-level <level>', 'pino log level of the stderr log')
        .choices(logLevels)
        .default('info'),
    )
    .allowExcessArguments(false)
    .action(async (raw: Record<string, unknown>) => {
      await run(toLauncherOptions(raw));
    });
}

function toLauncherOptions(raw: Record<string, unknown>): LauncherOptions {
  const port = (key: string): number => {
    const value = raw[key];
    if (typeof value !== 'number') {
      throw new LauncherError('invalid_option', 'could not read port option', {
        cause: new Error(`${key} is not a number`),
      });
    }
    return value;
  };
  return Object.freeze({
    awsPort: port('awsPort'),
    awsAdminPort: port('awsAdminPort'),
    gitlabPort: port('gitlabPort'),
    gitlabAdminPort: port('gitlabAdminPort'),
    stateDir: typeof raw.stateDir === 'string' ? raw.stateDir : undefined,
    logLevel: raw.logLevel as LevelWithSilent,
  });
}
