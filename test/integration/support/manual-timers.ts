// Scaler timers on the AWS emulator's manual clock: every scheduled tick waits in a queue and
// runs when the test moves the clock past it, one at a time and in time order.
import type { ManualClock } from '@taskfleet/emulator-aws';
import type { ScalerTimers } from '@taskfleet/scaler';

interface Entry {
  readonly id: number;
  readonly owner: number;
  readonly dueAtMs: number;
  readonly callback: () => void;
}

/** One scheduled delay, as a scaler asked for it. */
export interface ScheduledDelay {
  readonly owner: number;
  readonly atMs: number;
  readonly delayMs: number;
}

/** A queue of timers of many scalers on one manual clock. */
export class ManualTimerQueue {
  /** Every delay asked for, in order. */
  readonly scheduled: ScheduledDelay[] = [];
  /** When each owner's timers fired, in order. */
  readonly fired = new Map<number, number[]>();
  private entries: Entry[] = [];
  private nextId = 1;

  constructor(private readonly clock: ManualClock) {}

  /** The timers of one owner (a pool index). */
  timersFor(owner: number): ScalerTimers {
    return {
      setTimeout: (callback, delayMs) => {
        const id = this.nextId++;
        this.entries.push({ id, owner, dueAtMs: this.clock.now() + delayMs, callback });
        this.scheduled.push({ owner, atMs: this.clock.now(), delayMs });
        return id;
      },
      clearTimeout: handle => {
        this.entries = this.entries.filter(e => e.id !== handle);
      },
    };
  }

  /**
   * Fires every timer due up to `untilMs` in time order, moving the clock to each, and after each
   * awaits `settle(owner)` (the tick it started); then moves the clock to `untilMs`.
   */
  async runUntil(untilMs: number, settle: (owner: number) => Promise<void>): Promise<void> {
    for (;;) {
      const next = [...this.entries]
        .filter(e => e.dueAtMs <= untilMs)
        .sort((a, b) => a.dueAtMs - b.dueAtMs || a.id - b.id)[0];
      if (next === undefined) {
        break;
      }
      this.entries = this.entries.filter(e => e.id !== next.id);
      if (next.dueAtMs > this.clock.now()) {
        this.clock.advance(next.dueAtMs - this.clock.now());
      }
      this.fired.set(next.owner, [...(this.fired.get(next.owner) ?? []), this.clock.now()]);
      next.callback();
      await settle(next.owner);
    }
    if (untilMs > this.clock.now()) {
      this.clock.advance(untilMs - this.clock.now());
    }
  }
}
