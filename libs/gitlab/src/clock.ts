/** The only source of time for the client: every wait and timestamp goes through it. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Builds a clock on real time; with `keepAlive` false a pending sleep does not hold the process
 * open, which suits idle loops such as a poller's waits.
 */
export function createRealClock(options: { keepAlive: boolean }): Clock {
  return {
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
        if (!options.keepAlive) {
          timer.unref();
        }
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
  };
}

/** A clock on real time; a pending sleep keeps the process alive, as a final update must. */
export const systemClock: Clock = createRealClock({ keepAlive: true });

/** A clock on real time whose sleeps do not keep the process alive. */
export const unrefClock: Clock = createRealClock({ keepAlive: false });
