import type { Logger } from 'pino';

import type { UnsentLog } from './unsent-log';

/**
 * Moves the log's acknowledged offset to the length GitLab says it stores (a 416 answer): on
 * when an acknowledgement was lost, back when GitLab lost bytes it had taken, so they are sent
 * again; false when the bytes GitLab lacks are no longer held (or it claims more than was
 * written), and the caller must stop sending the log.
 */
export function resyncToStored(unsent: UnsentLog, storedLength: number, logger: Logger): boolean {
  const before = unsent.ackedBytes;
  // A lower stored length means GitLab lost bytes it had acknowledged: sent again if held.
  const resynced =
    storedLength >= before ? unsent.acknowledgeUpTo(storedLength) : unsent.rewindTo(storedLength);
  if (resynced) {
    logger.info({ fromOffset: before, storedLength }, 'job log resynced to the stored length');
    return true;
  }
  logger.error(
    { ackedBytes: before, storedLength, producedBytes: unsent.endOffset },
    'job log cannot be resynced, no longer sending it',
  );
  return false;
}
