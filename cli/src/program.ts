import { Command, InvalidArgumentError, Option } from 'commander';
import { runnerVersion } from '@taskfleet/executor';
import { launcherCommand } from '@taskfleet/emulator-launcher';
import type { LauncherOptions } from '@taskfleet/emulator-launcher';

import type { CheckOptions } from './commands/check-command';
import type { RunOptions } from './commands/run-options';
import { parseListenAddressOption, parseRole } from './commands/run-options';
import type { DemoOptions } from './demo/demo-options';
import type { SandboxOptions } from './sandbox/sandbox-command';

/** What each subcommand does once its arguments are parsed; main.ts gives the real ones. */
export interface CommandHandlers {
  run(options: RunOptions): Promise<void>;
  check(options: CheckOptions): Promise<void>;
  emulators(options: LauncherOptions): Promise<void>;
  demo(options: DemoOptions): Promise<void>;
  sandbox(options: SandboxOptions): Promise<void>;
}

/** Builds the `taskfleet` command line; `exitOverride` lets tests see parse errors as throws. */
export function buildProgram(handlers: CommandHandlers): Command {
  const program = new Command('taskfleet')
    .description('GitLab CI jobs on an autoscaled AWS EC2 fleet')
    // The version GitLab sees in the runner info and job logs is the same.
    .version(runnerVersion, '-V, --version', 'print the taskfleet version')
    .showHelpAfterError();
  program
    .command('run')
    .description('Run poller, scaler, executor, or all three, from a GitLab Runner config.toml')
    .argument('<role>', 'poller | scaler | executor | all', parseRole)
    .requiredOption('--config <file>', 'the config.toml to read')
    .addOption(
      // Wrapped: commander would turn a parsed null ("off") into an empty string.
      new Option(
        '--listen-address <address>',
        'serve metrics and health here instead of listen_address (host:port, :port or off)',
      ).argParser(value => ({ address: parseListenAddressOption(value) })),
    )
    .allowExcessArguments(false)
    .action(
      async (
        role: RunOptions['role'],
        options: { config: string; listenAddress?: { address: RunOptions['listenAddress'] } },
      ) => {
        await handlers.run({
          role,
          configPath: options.config,
          ...(options.listenAddress === undefined
            ? {}
            : { listenAddress: options.listenAddress.address }),
        });
      },
    );
  program
    .command('check')
    .description(
      "Check each runner's Auto Scaling Group setup; one line per problem, exit 1 if any",
    )
    .requiredOption('--config <file>', 'the config.toml to read')
    .allowExcessArguments(false)
    .action(async (options: { config: string }) => {
      await handlers.check({ configPath: options.config });
    });
  program.addCommand(launcherCommand(options => handlers.emulators(options)));
  program
    .command('demo')
    .description('Run the example pipelines on the emulators with a fleet that scales from zero')
    .option('--project <dir>', 'run the .gitlab-ci.yml in this directory instead of the examples')
    .option('--json', 'print one JSON document with the pipeline and every job')
    .option(
      '--variables <file>',
      'project CI/CD variables: JSON array of {key, value, masked, file}',
    )
    .addOption(
      new Option('--timeout <seconds>', 'bound on the whole demo')
        .argParser(parseSeconds)
        .default(300),
    )
    .option('--redis-url <url>', 'the Redis to use (checked first)', 'redis://127.0.0.1:6379')
    .allowExcessArguments(false)
    .action(
      async (options: {
        project?: string;
        json?: boolean;
        variables?: string;
        timeout: number;
        redisUrl: string;
      }) => {
        await handlers.demo({
          projectDir: options.project,
          json: options.json === true,
          variablesFile: options.variables,
          timeoutMs: options.timeout * 1000,
          redisUrl: options.redisUrl,
        });
      },
    );
  program
    .command('sandbox')
    .description(
      'Start the emulators with the demo group and runner and write a config.toml for taskfleet run',
    )
    .requiredOption('--config-out <file>', 'where to write the config.toml (removed at the end)')
    .option('--redis-url <url>', 'the Redis the services will use', 'redis://127.0.0.1:6379')
    .allowExcessArguments(false)
    .action(async (options: { configOut: string; redisUrl: string }) => {
      await handlers.sandbox({ configOut: options.configOut, redisUrl: options.redisUrl });
    });
  return program;
}

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!/^\d+$/.test(value) || seconds < 1) {
    throw new InvalidArgumentError('expected a whole number of seconds, at least 1');
  }
  return seconds;
}
