import type { Clock } from '@taskfleet/gitlab';

/**
 * A real-time clock whose sleeps do not keep the process alive: an idle poller must never be the
 * reason a process cannot exit.
 */
export const unrefClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>(resolve => {
      if (signal?.aborted === true) {
        resolve();
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      timer.unref();
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
