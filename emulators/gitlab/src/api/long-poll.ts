import type { ServerResponse } from 'node:http';

import type { GitlabWorld } from '../world/gitlab-world';

/** Why a held job request ended. */
export type LongPollEnd = 'changed' | 'timeout' | 'closed';

/**
 * Holds a job request like Workhorse does while the runner's queue value equals the
 * `last_update` it sent: until the value changes, the hold time passes, or the client leaves.
 */
export function holdLongPoll(
  world: GitlabWorld,
  runnerId: number,
  res: ServerResponse,
): Promise<LongPollEnd> {
  return new Promise(resolve => {
    let done = false;
    const finish = (end: LongPollEnd): void => {
      if (done) {
        return;
      }
      done = true;
      unsubscribe();
      timer.cancel();
      res.off('close', onClose);
      resolve(end);
    };
    const onClose = (): void => {
      finish('closed');
    };
    const unsubscribe = world.runners.onQueueChange(runnerId, () => {
      finish('changed');
    });
    const timer = world.clock.setTimer(world.config.longPollTimeoutMs, () => {
      finish('timeout');
    });
    res.on('close', onClose);
  });
}
