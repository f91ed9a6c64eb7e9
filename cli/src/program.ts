import { Command } from 'commander';
import { launcherCommand } from '@taskfleet/emulator-launcher';
import type { LauncherOptions } from '@taskfleet/emulator-launcher';

import type { RunOptions } from './commands/run-options';
import { parseRole } from './commands/run-options';

/** What each subcommand does once its arguments are parsed; main.ts gives the real ones. */
export interface CommandHandlers {
  run(options: RunOptions): Promise<void>;
  emulators(options: LauncherOptions): Promise<void>;
}

/** Builds the `taskfleet` command line; `exitOverride` lets tests see parse errors as throws. */
export function buildProgram(handlers: CommandHandlers): Command {
  const program = new Command('taskfleet')
    .description('GitLab CI jobs on an autoscaled AWS EC2 fleet')
    .showHelpAfterError();
  program
    .command('run')
    .description('Run poller, scaler, executor, or all three, from a GitLab Runner config.toml')
    .argument('<role>', 'poller | scaler | executor | all', parseRole)
    .requiredOption('--config <file>', 'the config.toml to read')
    .allowExcessArguments(false)
    .action(async (role: RunOptions['role'], options: { config: string }) => {
      await handlers.run({ role, configPath: options.config });
    });
  program.addCommand(launcherCommand(options => handlers.emulators(options)));
  return program;
}
