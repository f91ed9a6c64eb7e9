import { allowedRequests, initialAdaptiveLimit, nextAdaptiveLimit } from './adaptive-concurrency';
import type { RequestSignal } from './adaptive-concurrency';

/** What the gate reads afresh on every decision, so a config reload applies at once. */
export interface RequestGateSettings {
  /** `request_concurrency`: the most requests in flight, adaptive or not. */
  readonly maxConcurrency: number;
  /** `FF_USE_ADAPTIVE_REQUEST_CONCURRENCY`. */
  readonly adaptive: boolean;
}

/** The gate's figures after a change, for logs and the limit metric. */
export interface RequestGateFigures {
  /** Requests allowed in flight now. */
  readonly allowed: number;
  /** The adaptive limit before rounding up (moves only while adaptive is on). */
  readonly adaptiveLimit: number;
  readonly inFlight: number;
}

interface Waiter {
  readonly grant: () => void;
}

/**
 * Admits one runner's job requests: at most `allowed` in flight, where `allowed` follows the
 * adaptive limit (or is `request_concurrency` with the flag off). Loops over the limit wait, in
 * arrival order, until a request ends or the limit grows; a request already in flight when the
 * limit falls is never cut short (as in GitLab Runner). No timers: it moves only on calls.
 */
export class RequestGate {
  private limit = initialAdaptiveLimit;
  private inFlightCount = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    private readonly settings: () => RequestGateSettings,
    private readonly changed: (figures: RequestGateFigures) => void = () => undefined,
  ) {}

  /** Requests allowed in flight now. */
  get allowed(): number {
    const { maxConcurrency, adaptive } = this.settings();
    return allowedRequests(this.limit, maxConcurrency, adaptive);
  }

  /** The adaptive limit before rounding up. */
  get adaptiveLimit(): number {
    return this.limit;
  }

  /** Requests admitted and not yet released. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /** Loops waiting for a permit. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** The figures now. */
  figures(): RequestGateFigures & { readonly waiting: number } {
    return {
      allowed: this.allowed,
      adaptiveLimit: this.limit,
      inFlight: this.inFlightCount,
      waiting: this.waiters.length,
    };
  }

  /**
   * Resolves true once a request may start (the caller must `release` it exactly once), or false
   * when `signal` aborts first.
   */
  acquire(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) {
      return Promise.resolve(false);
    }
    if (this.waiters.length === 0 && this.inFlightCount < this.allowed) {
      this.inFlightCount += 1;
      return Promise.resolve(true);
    }
    return new Promise(resolve => {
      const onAbort = (): void => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) {
          this.waiters.splice(index, 1);
        }
        resolve(false);
      };
      const waiter: Waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(true);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /**
   * Ends an admitted request. With a signal (GitLab answered) the adaptive limit moves, if the
   * flag is on; without one (no request was sent, or it was aborted) it stays.
   */
  release(signal?: RequestSignal): void {
    this.inFlightCount = Math.max(0, this.inFlightCount - 1);
    const { maxConcurrency, adaptive } = this.settings();
    if (signal !== undefined && adaptive) {
      this.limit = nextAdaptiveLimit(this.limit, signal, maxConcurrency);
    }
    this.admitWaiting();
    if (signal !== undefined && adaptive) {
      this.report();
    }
  }

  /** Re-reads the settings (after a reload): admits waiters if more are allowed, reports. */
  refresh(): void {
    this.admitWaiting();
    this.report();
  }

  private admitWaiting(): void {
    while (this.waiters.length > 0 && this.inFlightCount < this.allowed) {
      const waiter = this.waiters.shift();
      this.inFlightCount += 1;
      waiter?.grant();
    }
  }

  private report(): void {
    this.changed({
      allowed: this.allowed,
      adaptiveLimit: this.limit,
      inFlight: this.inFlightCount,
    });
  }
}
