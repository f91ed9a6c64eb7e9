import { constants } from 'node:os';

import { removeTransferDirsSync } from '@taskfleet/executor';
import type { Logger } from 'pino';

/**
 * Ends the process now with `code`, after removing the per-job transfer dirs this process made
 * (synchronously: nothing asynchronous runs after `process.exit`). Jobs still running are left
 * to the other executors' recovery (their leases lapse), as after a crash.
 */
export function exitNow(code: number, logger: Logger): never {
  const left = removeTransferDirsSync();
  if (left.length > 0) {
    logger.error({ transferDirsLeft: left }, 'could not remove transfer dirs on exit');
  }
  logger.flush();
  process.exit(code);
}

/** A second stop signal: exits now with 128 + its number, as a shell reports such an end. */
export function exitAtOnce(signal: NodeJS.Signals, logger: Logger): never {
  logger.warn({ signal }, 'second stop signal: exiting at once');
  return exitNow(128 + constants.signals[signal], logger);
}
