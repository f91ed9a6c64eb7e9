/** An opaque handle for a scheduled callback. */
export interface TimerHandle {
  readonly timerId: number;
}

/** The emulator's only source of time: every delay, timeout and expiry runs on it. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `callback` once, `delayMs` from now. */
  setTimer(callback: () => void, delayMs: number): TimerHandle;
  /** Cancels a timer; a no-op when it already ran or was cleared. */
  clearTimer(handle: TimerHandle): void;
}

/** A clock that tests drive by hand: nothing happens until `advance` is called. */
export interface ManualClock extends Clock {
  readonly kind: 'manual';
  /** Moves time forward by `ms`, running every due timer in due order (ties: scheduling order). */
  advance(ms: number): void;
  /** Moves time forward to `epochMs` (never backwards), running due timers. */
  setNow(epochMs: number): void;
  /** How many timers are scheduled and not yet run. */
  pendingTimerCount(): number;
}

/** Creates a clock on real time; its timers do not keep the process alive. */
export function createRealClock(): Clock {
  let nextId = 1;
  const timers = new Map<number, NodeJS.Timeout>();
  return {
    now: () => Date.now(),
    setTimer(callback, delayMs) {
      const timerId = nextId++;
      const timeout = setTimeout(
        () => {
          timers.delete(timerId);
          callback();
        },
        Math.max(0, delayMs),
      );
      timeout.unref();
      timers.set(timerId, timeout);
      return { timerId };
    },
    clearTimer(handle) {
      const timeout = timers.get(handle.timerId);
      if (timeout !== undefined) {
        clearTimeout(timeout);
        timers.delete(handle.timerId);
      }
    },
  };
}

interface ManualTimer {
  readonly timerId: number;
  readonly dueMs: number;
  readonly callback: () => void;
}

/** Creates a manual clock starting at `startEpochMs` (default 2026-01-01T00:00:00Z). */
export function createManualClock(startEpochMs = Date.UTC(2026, 0, 1)): ManualClock {
  let nowMs = startEpochMs;
  let nextId = 1;
  const timers = new Map<number, ManualTimer>();

  const runUntil = (targetMs: number): void => {
    for (;;) {
      let due: ManualTimer | undefined;
      for (const timer of timers.values()) {
        // Map iteration is insertion order, so `<` keeps scheduling order among equal due times.
        if (timer.dueMs <= targetMs && (due === undefined || timer.dueMs < due.dueMs)) {
          due = timer;
        }
      }
      if (due === undefined) {
        break;
      }
      timers.delete(due.timerId);
      nowMs = Math.max(nowMs, due.dueMs);
      due.callback();
    }
    nowMs = targetMs;
  };

  return {
    kind: 'manual',
    now: () => nowMs,
    setTimer(callback, delayMs) {
      const timerId = nextId++;
      timers.set(timerId, { timerId, dueMs: nowMs + Math.max(0, delayMs), callback });
      return { timerId };
    },
    clearTimer(handle) {
      timers.delete(handle.timerId);
    },
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) {
        throw new RangeError('could not advance the clock: ms must be a finite number >= 0');
      }
      runUntil(nowMs + ms);
    },
    setNow(epochMs) {
      if (epochMs < nowMs) {
        throw new RangeError('could not set the clock: time never goes backwards');
      }
      runUntil(epochMs);
    },
    pendingTimerCount: () => timers.size,
  };
}

/** Tells a manual clock from a real one. */
export function isManualClock(clock: Clock): clock is ManualClock {
  return (clock as Partial<ManualClock>).kind === 'manual';
}
