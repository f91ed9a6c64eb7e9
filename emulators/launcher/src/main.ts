import { pino } from 'pino';
import type { Logger } from 'pino';

import type { LauncherOptions } from './launcher-options';
import { launcherCommand } from './launcher-options';
import { StopSignalTracker } from './repeat-signal';
import type { RunningEmulators } from './start-emulators';
import { startEmulators } from './start-emulators';

// Long enough for every sshd instance to be killed and its files removed, short enough that a
// stuck close does not hang a terminal or a CI job.
const closeBoundMs = 30_000;

async function run(options: LauncherOptions): Promise<void> {
  // stdout carries only the JSON line, so scripts can read it; logs go to stderr.
  const logger = pino({ level: options.logLevel }, pino.destination({ fd: 2, sync: true }));
  // An object, not locals: the signal handler changes these while startEmulators is awaited.
  const state: { running?: RunningEmulators; stopRequested: boolean } = { stopRequested: false };

  const signals = new StopSignalTracker();
  const stop = (signal: NodeJS.Signals): void => {
    const meaning = signals.meaningOf(signal);
    if (meaning === 'same-stop') {
      // One Ctrl-C: the terminal signals the group and npm forwards it again.
      return;
    }
    if (meaning === 'exit-now') {
      logger.warn({ signal }, 'second signal, exiting without waiting for close');
      process.exit(1);
    }
    state.stopRequested = true;
    logger.info({ signal }, 'stopping emulators');
    if (state.running !== undefined) {
      void shutDown(state.running, logger);
    }
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  let running: RunningEmulators;
  try {
    running = await startEmulators({
      awsPort: options.awsPort,
      awsAdminPort: options.awsAdminPort,
      gitlabPort: options.gitlabPort,
      gitlabAdminPort: options.gitlabAdminPort,
      stateDir: options.stateDir,
      logger,
    });
  } catch (error) {
    logger.error({ err: error }, 'could not start the emulators');
    process.exit(1);
  }
  if (state.stopRequested) {
    // A signal that arrived while starting: close what started instead of announcing it.
    await shutDown(running, logger);
    return;
  }
  state.running = running;
  console.log(JSON.stringify(running.urls));
}

async function shutDown(running: RunningEmulators, logger: Logger): Promise<void> {
  const bound = setTimeout(() => {
    logger.error({ closeBoundMs }, 'emulators did not close in time');
    process.exit(1);
  }, closeBoundMs);
  try {
    await running.close();
    logger.info('emulators stopped');
    process.exit(0);
  } catch (error) {
    logger.error({ err: error }, 'could not close the emulators');
    process.exit(1);
  } finally {
    clearTimeout(bound);
  }
}

launcherCommand(run)
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
