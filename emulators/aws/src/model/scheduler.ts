import type { Clock, TimerHandle } from '../clock';

/** Wraps the clock so every timer the model sets can be cancelled at once on close. */
export class Scheduler {
  private readonly clock: Clock;
  private readonly live = new Set<TimerHandle>();
  private closed = false;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** The current time in epoch milliseconds. */
  now(): number {
    return this.clock.now();
  }

  /** Schedules `callback` after `delayMs` on the injected clock. */
  after(delayMs: number, callback: () => void): TimerHandle {
    const handle = this.clock.setTimer(() => {
      this.live.delete(handle);
      if (!this.closed) {
        callback();
      }
    }, delayMs);
    this.live.add(handle);
    return handle;
  }

  /** Cancels a timer set by `after`. */
  cancel(handle: TimerHandle | undefined): void {
    if (handle !== undefined) {
      this.clock.clearTimer(handle);
      this.live.delete(handle);
    }
  }

  /** Cancels every live timer; later callbacks are ignored. */
  close(): void {
    this.closed = true;
    for (const handle of this.live) {
      this.clock.clearTimer(handle);
    }
    this.live.clear();
  }
}
