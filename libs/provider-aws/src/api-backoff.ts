/** Options of {@link ApiBackoff}. */
export interface ApiBackoffOptions {
  /** Epoch-ms clock. Default `Date.now`. */
  readonly now?: () => number;
  /** Uniform random in [0, 1) for the jitter; injected so tests are deterministic. */
  readonly random?: () => number;
  /** The first back-off after a throttled call. Default 2 s. */
  readonly baseMs?: number;
  /** The longest back-off, however many throttled calls in a row. Default 5 min. */
  readonly maxMs?: number;
}

/**
 * The account's back-off after Auto Scaling answered Throttling: every pool sharing the account
 * waits it out (they share AWS's one per-account, per-Region bucket), and it doubles, jittered,
 * while the throttling goes on.
 */
export class ApiBackoff {
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private consecutive = 0;
  private untilMs = 0;

  constructor(options: ApiBackoffOptions = {}) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.baseMs = options.baseMs ?? 2_000;
    this.maxMs = Math.max(this.baseMs, options.maxMs ?? 300_000);
  }

  /** Records a throttled answer and lengthens the back-off; returns its length in ms. */
  noteThrottled(): number {
    this.consecutive += 1;
    const fullMs = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.consecutive - 1, 30));
    // Half fixed, half random: pools and processes that were throttled together do not retry together.
    const delayMs = Math.ceil(fullMs / 2 + (fullMs / 2) * this.random());
    this.untilMs = Math.max(this.untilMs, this.now() + delayMs);
    return delayMs;
  }

  /** Records an answered call: the next throttling starts again from the base back-off. */
  noteAnswered(): void {
    this.consecutive = 0;
  }

  /** Milliseconds left of the back-off now; 0 when calls may be made. */
  remainingMs(): number {
    return Math.max(0, this.untilMs - this.now());
  }

  /** Throttled answers in a row so far. */
  get throttledInARow(): number {
    return this.consecutive;
  }
}
