import { startEmulators } from '@taskfleet/emulator-launcher';
import type { LauncherOptions } from '@taskfleet/emulator-launcher';
import type { Logger } from 'pino';

/**
 * Runs both emulators until SIGINT or SIGTERM, printing their URLs as one JSON line (the same
 * contract as `npm run emulators`).
 */
export async function runEmulators(
  options: LauncherOptions,
  logger: Logger,
  printLine: (line: string) => void,
): Promise<void> {
  const stopped = new Promise<NodeJS.Signals>(resolve => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const running = await startEmulators({
    awsPort: options.awsPort,
    awsAdminPort: options.awsAdminPort,
    gitlabPort: options.gitlabPort,
    gitlabAdminPort: options.gitlabAdminPort,
    stateDir: options.stateDir,
    logger,
  });
  printLine(JSON.stringify(running.urls));
  const signal = await stopped;
  logger.info({ signal }, 'stopping emulators');
  await running.close();
  logger.info('emulators stopped');
}
