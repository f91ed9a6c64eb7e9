import { constants } from 'node:os';

import { removeTransferDirsSync } from '@taskfleet/executor';
import type { Logger } from 'pino';

/**
 * A second stop signal: exits now with 128 + the signal's number, as a shell reports a process
 * the signal ended, after removing the per-job transfer dirs this process made (synchronously:
 * nothing asynchronous runs after `process.exit`). Running jobs are left to the other executors'
 * recovery (their leases lapse), as after a crash.
 */
export function exitAtOnce(signal: NodeJS.Signals, logger: Logger): never {
  const left = removeTransferDirsSync();
  logger.warn({ signal, transferDirsLeft: left }, 'second stop signal: exiting at once');
  logger.flush();
  process.exit(128 + constants.signals[signal]);
}
