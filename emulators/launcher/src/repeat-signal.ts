/** What a stop signal means given the ones before it. */
export type StopSignalMeaning = 'stop' | 'same-stop' | 'exit-now';

/** A repeat of the first stop signal within this many ms is the same keypress, not a second. */
export const sameStopWindowMs = 1000;

/**
 * Tells a new stop request from a repeat of the first one: one Ctrl-C reaches a process twice
 * when the terminal signals the whole process group and a wrapper (npm) forwards it again.
 */
export class StopSignalTracker {
  private first: { signal: NodeJS.Signals; atMs: number } | undefined;

  constructor(
    private readonly nowMs: () => number = Date.now,
    private readonly windowMs: number = sameStopWindowMs,
  ) {}

  /** Records `signal`: the first is a stop, its repeat within the window the same stop, any
   * other (or a later one) a request to exit at once. */
  meaningOf(signal: NodeJS.Signals): StopSignalMeaning {
    const atMs = this.nowMs();
    if (this.first === undefined) {
      this.first = { signal, atMs };
      return 'stop';
    }
    if (signal === this.first.signal && atMs - this.first.atMs < this.windowMs) {
      return 'same-stop';
    }
    return 'exit-now';
  }
}
