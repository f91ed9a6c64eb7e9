/** One dependency the process needs before it may take jobs. */
export interface ReadinessCheck {
  /** Stable name shown on /readyz and in logs: `redis`, `ssh_key <path>`… */
  readonly name: string;
  /** Resolves when the dependency is usable; rejects (or resolves a reason) when not. */
  check(): Promise<void>;
}

/** The outcome of one check at one moment. */
export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  /** Why it failed, for /readyz and logs; absent when ok. */
  readonly reason?: string;
}

/** Every check's latest result, and whether all passed. */
export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: readonly CheckResult[];
}

/** How long one round of checks waits for answers, and the timer it waits with. */
export interface CheckBound {
  readonly withinMs: number;
  /** Resolves after `ms`, or settles early when `signal` aborts. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

function reasonOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}

/**
 * The start-up readiness gate (B53): named checks run until all pass, so nothing takes a job
 * before its dependencies are there; /readyz shows the latest results while it waits.
 */
export class ReadinessGate {
  private latest: ReadinessReport;
  private extraReasons = new Map<string, string>();
  /** Checks started and not yet settled, by name, so a slow one is never run twice at once. */
  private readonly running = new Map<string, Promise<CheckResult>>();

  constructor(private readonly checks: readonly ReadinessCheck[]) {
    this.latest = {
      ready: false,
      checks: checks.map(c => ({ name: c.name, ok: false, reason: 'not checked yet' })),
    };
  }

  /**
   * Runs every check once, at the same time, and keeps the results. A check still running from
   * an earlier round is waited on again, not started twice. With `bound`, the round waits at
   * most `withinMs`: a check that has not answered by then counts as failed for this round, so
   * one hung dependency does not hold back the others' results (it keeps running meanwhile).
   */
  async runOnce(bound?: CheckBound): Promise<ReadinessReport> {
    const settled = new Map<string, CheckResult>();
    const rounds = this.checks.map(c => {
      let running = this.running.get(c.name);
      if (running === undefined) {
        running = this.start(c);
        this.running.set(c.name, running);
      }
      return running.then(result => {
        settled.set(c.name, result);
      });
    });
    const all = Promise.all(rounds);
    if (bound === undefined) {
      await all;
    } else {
      const timer = new AbortController();
      await Promise.race([all, bound.sleep(bound.withinMs, timer.signal).catch(() => undefined)]);
      timer.abort();
    }
    const checks = this.checks.map(
      (c): CheckResult =>
        settled.get(c.name) ?? {
          name: c.name,
          ok: false,
          reason: `no answer within ${bound?.withinMs ?? 0} ms, still checking`,
        },
    );
    this.latest = { ready: checks.every(c => c.ok), checks };
    return this.report();
  }

  private start(c: ReadinessCheck): Promise<CheckResult> {
    const run = async (): Promise<CheckResult> => {
      try {
        await c.check();
        return { name: c.name, ok: true };
      } catch (error) {
        return { name: c.name, ok: false, reason: reasonOf(error) };
      }
    };
    return run().finally(() => {
      this.running.delete(c.name);
    });
  }

  /**
   * Runs the checks every `intervalMs` until all pass (extra conditions aside); `onWaiting` sees each failing round.
   * Each round waits at most `answerWithinMs` (default: no bound) for the checks' answers.
   * Resolves false when `signal` aborts first.
   */
  async waitUntilReady(input: {
    readonly intervalMs: number;
    readonly answerWithinMs?: number;
    readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
    readonly signal: AbortSignal;
    readonly onWaiting?: (report: ReadinessReport) => void;
  }): Promise<boolean> {
    const bound =
      input.answerWithinMs === undefined
        ? undefined
        : { withinMs: input.answerWithinMs, sleep: input.sleep };
    while (!input.signal.aborted) {
      const report = await this.runOnce(bound);
      // The checks decide; extra conditions (`services`) are for the stages after the gate.
      if (this.latest.ready) {
        return true;
      }
      input.onWaiting?.(report);
      await input.sleep(input.intervalMs, input.signal);
    }
    return false;
  }

  /**
   * Marks a later stage not ready (e.g. `services` while they start) or ready again
   * (`reason` undefined); it shows on /readyz like a failed check.
   */
  setCondition(name: string, reason: string | undefined): void {
    if (reason === undefined) {
      this.extraReasons.delete(name);
    } else {
      this.extraReasons.set(name, reason);
    }
  }

  /** The latest results with the extra conditions, without running anything. */
  report(): ReadinessReport {
    const extra = [...this.extraReasons.entries()].map(([name, reason]) => ({
      name,
      ok: false,
      reason,
    }));
    const checks = [...this.latest.checks, ...extra];
    return { ready: this.latest.ready && extra.length === 0, checks };
  }
}
