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

  constructor(private readonly checks: readonly ReadinessCheck[]) {
    this.latest = {
      ready: false,
      checks: checks.map(c => ({ name: c.name, ok: false, reason: 'not checked yet' })),
    };
  }

  /** Runs every check once, at the same time, and keeps the results. */
  async runOnce(): Promise<ReadinessReport> {
    const checks = await Promise.all(
      this.checks.map(async (c): Promise<CheckResult> => {
        try {
          await c.check();
          return { name: c.name, ok: true };
        } catch (error) {
          return { name: c.name, ok: false, reason: reasonOf(error) };
        }
      }),
    );
    this.latest = { ready: checks.every(c => c.ok), checks };
    return this.report();
  }

  /**
   * Runs the checks every `intervalMs` until all pass (extra conditions aside); `onWaiting` sees each failing round.
   * Resolves false when `signal` aborts first.
   */
  async waitUntilReady(input: {
    readonly intervalMs: number;
    readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
    readonly signal: AbortSignal;
    readonly onWaiting?: (report: ReadinessReport) => void;
  }): Promise<boolean> {
    while (!input.signal.aborted) {
      const report = await this.runOnce();
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
