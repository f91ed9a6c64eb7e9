import type { Clock } from '../clock';

interface Sleeper {
  readonly dueMs: number;
  readonly durationMs: number;
  readonly resolve: () => void;
}

/**
 * A clock for tests: time moves only through `advance`, or, with `autoAdvance`, each sleep
 * jumps time forward by its own length on the next macrotask (so I/O still interleaves).
 */
export class ManualClock implements Clock {
  private nowMs: number;
  private readonly sleepers = new Set<Sleeper>();
  private readonly waiters: Array<() => void> = [];
  /** Every sleep requested, in order, in milliseconds. */
  readonly sleeps: number[] = [];

  constructor(
    startMs = Date.UTC(2026, 0, 1),
    private readonly options: { autoAdvance?: boolean } = {},
  ) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const durationMs = Math.max(0, ms);
    this.sleeps.push(durationMs);
    if (this.options.autoAdvance === true) {
      return new Promise(resolve =>
        setImmediate(() => {
          this.nowMs += durationMs;
          resolve();
        }),
      );
    }
    return new Promise(resolve => {
      // Removed again on wake-up, so a long-lived signal does not collect one per sleep.
      const onAbort = (): void => {
        sleeper.resolve();
      };
      const sleeper: Sleeper = {
        dueMs: this.nowMs + durationMs,
        durationMs,
        resolve: () => {
          this.sleepers.delete(sleeper);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      if (signal?.aborted === true) {
        resolve();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sleepers.add(sleeper);
      for (const wake of this.waiters.splice(0)) {
        wake();
      }
    });
  }

  /** How many sleeps are pending. */
  get pendingSleeps(): number {
    return this.sleepers.size;
  }

  /** Resolves once at least `count` sleeps are pending (real time bounded by Jest's timeout). */
  async waitForSleepers(count = 1): Promise<void> {
    while (this.sleepers.size < count) {
      await new Promise<void>(resolve => this.waiters.push(resolve));
    }
  }

  /** Moves time forward by `ms`, waking every sleep that is due by then. */
  advance(ms: number): void {
    this.nowMs += ms;
    for (const sleeper of [...this.sleepers]) {
      if (sleeper.dueMs <= this.nowMs) {
        sleeper.resolve();
      }
    }
  }
}
