/** A cancellable timer handle returned by {@link Clock.setTimer}. */
export interface TimerHandle {
  cancel(): void;
}

/** Time source and timer factory injected into every time-dependent part of the emulator. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `callback` once after `delayMs`; the handle cancels it. */
  setTimer(delayMs: number, callback: () => void): TimerHandle;
}

/** The wall clock with Node timers; timers are unref'd so they never keep a process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(delayMs, callback) {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    timer.unref();
    return {
      cancel: () => {
        clearTimeout(timer);
      },
    };
  },
};

interface ManualTimer {
  readonly seq: number;
  readonly dueMs: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/** A clock that only moves when a test calls {@link ManualClock.advance}. */
export class ManualClock implements Clock {
  private currentMs: number;
  private seq = 0;
  private timers: ManualTimer[] = [];

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.currentMs = startMs;
  }

  now(): number {
    return this.currentMs;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const timer: ManualTimer = {
      seq: this.seq++,
      dueMs: this.currentMs + Math.max(0, delayMs),
      callback,
      cancelled: false,
    };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Number of timers still waiting to fire. */
  pendingTimerCount(): number {
    return this.timers.filter(t => !t.cancelled).length;
  }

  /** Moves time forward by `ms`, firing due timers in due-time order (ties in creation order). */
  advance(ms: number): void {
    const targetMs = this.currentMs + ms;
    for (;;) {
      this.timers = this.timers.filter(t => !t.cancelled);
      const due = this.timers
        .filter(t => t.dueMs <= targetMs)
        .sort((a, b) => a.dueMs - b.dueMs || a.seq - b.seq)[0];
      if (due === undefined) {
        break;
      }
      this.currentMs = Math.max(this.currentMs, due.dueMs);
      due.cancelled = true;
      due.callback();
    }
    this.currentMs = targetMs;
  }
}
