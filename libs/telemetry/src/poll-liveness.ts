import type { PoolIdentity } from './pool-labels';
import { poolKey } from './pool-labels';

/** How a poll round of one runner ended, as the poller reports it. */
export type PollEvent =
  | { readonly kind: 'request-started' }
  | { readonly kind: 'request-finished'; readonly outcome: 'job' | 'none' | 'invalid-job' }
  | { readonly kind: 'request-failed' }
  | { readonly kind: 'no-capacity' };

interface RunnerPolls {
  readonly pool: PoolIdentity;
  lastSuccessAtMs: number | undefined;
  /** Last sign the loop is turning: a request started or finished, or capacity was refused. */
  lastActivityAtMs: number;
  inFlight: number;
}

/** What the liveness endpoint and the stall metric say about one runner's intake. */
export interface PollHealth {
  readonly pool: PoolIdentity;
  /** Epoch ms of the last request GitLab answered (job or no job); undefined before one. */
  readonly lastSuccessfulPollAtMs: number | undefined;
  /**
   * True when the intake loop did nothing for `stallIntervals` check intervals although it had
   * capacity to take jobs: no request open, none started or finished, no refusal (B48).
   */
  readonly stalled: boolean;
}

/**
 * Follows each runner's intake loop from the poller's events, so a reload or a bug that stops
 * polling shows on the liveness endpoint and as a metric within two check intervals.
 */
export class PollLiveness {
  private readonly runners = new Map<string, RunnerPolls>();

  constructor(
    private readonly options: {
      readonly clock: () => number;
      /** `check_interval`; read on every question, so a reload can change it. */
      readonly checkIntervalMs: () => number;
      /** @defaultValue 2 */
      readonly stallIntervals?: number;
    },
  ) {}

  /** Starts following a runner (again after a reload: the history is kept). */
  follow(pool: PoolIdentity): void {
    if (!this.runners.has(poolKey(pool))) {
      const nowMs = this.options.clock();
      this.runners.set(poolKey(pool), {
        pool,
        lastSuccessAtMs: undefined,
        lastActivityAtMs: nowMs,
        inFlight: 0,
      });
    }
  }

  /** Stops following a runner that left the config. */
  forget(pool: PoolIdentity): void {
    this.runners.delete(poolKey(pool));
  }

  /** Records one event of a runner's intake loop. */
  record(pool: PoolIdentity, event: PollEvent): void {
    this.follow(pool);
    const polls = this.runners.get(poolKey(pool));
    if (polls === undefined) {
      return;
    }
    const nowMs = this.options.clock();
    // Every event, a refusal for lack of capacity too, shows the loop is turning.
    polls.lastActivityAtMs = nowMs;
    switch (event.kind) {
      case 'request-started':
        polls.inFlight += 1;
        break;
      case 'request-finished':
        polls.inFlight = Math.max(0, polls.inFlight - 1);
        polls.lastSuccessAtMs = nowMs;
        break;
      case 'request-failed':
        polls.inFlight = Math.max(0, polls.inFlight - 1);
        break;
      case 'no-capacity':
        break;
    }
  }

  /** The health of every followed runner, now. */
  health(): PollHealth[] {
    const nowMs = this.options.clock();
    const boundMs = this.options.checkIntervalMs() * (this.options.stallIntervals ?? 2);
    return [...this.runners.values()].map(polls => {
      const quietMs = nowMs - polls.lastActivityAtMs;
      return {
        pool: polls.pool,
        lastSuccessfulPollAtMs: polls.lastSuccessAtMs,
        stalled: polls.inFlight === 0 && quietMs > boundMs,
      };
    });
  }
}
