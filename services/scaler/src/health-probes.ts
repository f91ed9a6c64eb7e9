import type { Logger } from 'pino';

/** Which check a probe ran: the ready command of a booting instance, or a heartbeat. */
export type ProbeKind = 'ready' | 'heartbeat';

/**
 * How one background probe ended. A probe only looks: the next led tick applies its outcome to
 * the registry with that tick's fencing token, so a replica that lost the lease never acts.
 */
export interface ProbeOutcome {
  readonly instanceId: string;
  readonly kind: ProbeKind;
  /** `deferred`: nothing was tried (the instance is not running, or the probe broke). */
  readonly result: 'passed' | 'failed' | 'deferred';
  /** Why it failed or was deferred, for the failure record and the log. */
  readonly reason?: string;
}

/** Options of {@link HealthProbes}. */
export interface HealthProbesOptions {
  /** Most probes running at once; a due probe past the bound waits for a later tick. */
  readonly maxConcurrent: number;
  readonly logger: Logger;
}

/**
 * Runs ready checks and heartbeats in the background, outside the scaler tick, at most
 * `maxConcurrent` at once and one per instance; keeps what finished, for the next tick to report.
 * When each instance may be probed next is the schedule of the scaler's memory (Redis), handed
 * over each led tick with {@link useSchedule}, so a new leader keeps the due times and back-offs.
 */
export class HealthProbes {
  private readonly running = new Map<string, Promise<void>>();
  private nextAtMs = new Map<string, number>();
  private finished: ProbeOutcome[] = [];
  /** Instances whose outcome is finished but not yet taken: not probed again until it is. */
  private readonly unapplied = new Set<string>();
  private readonly stop = new AbortController();

  constructor(private readonly options: HealthProbesOptions) {}

  /** Aborted on close: running probes give up their connections. */
  get signal(): AbortSignal {
    return this.stop.signal;
  }

  /** How many probes run now. */
  get inFlight(): number {
    return this.running.size;
  }

  /**
   * Takes the due times the leader's memory holds (instance id → epoch ms) as this process's
   * schedule; later changes are made in that map, so saving the memory stores them.
   */
  useSchedule(dueAtMs: Map<string, number>): void {
    this.nextAtMs = dueAtMs;
  }

  /** Whether a probe of the instance may start at `nowMs` (none running, not before its time). */
  isDue(instanceId: string, nowMs: number, firstAtMs = nowMs): boolean {
    if (this.busy(instanceId) || this.stop.signal.aborted) {
      return false;
    }
    return nowMs >= (this.nextAtMs.get(instanceId) ?? firstAtMs);
  }

  /** Sets when the instance is next probed (a back-off, or the next heartbeat). */
  deferUntil(instanceId: string, atMs: number): void {
    this.nextAtMs.set(instanceId, atMs);
  }

  /** Forgets instances no longer in the registry, so the maps stay bounded by the fleet. */
  retain(instanceIds: ReadonlySet<string>): void {
    for (const id of this.nextAtMs.keys()) {
      if (!instanceIds.has(id) && !this.running.has(id)) {
        this.nextAtMs.delete(id);
      }
    }
  }

  /**
   * Starts `probe` for the instance in the background; false (nothing started) when one runs
   * for it already, the bound is reached, or the probes are closed.
   */
  start(instanceId: string, kind: ProbeKind, probe: () => Promise<ProbeOutcome>): boolean {
    if (
      this.busy(instanceId) ||
      this.running.size >= this.options.maxConcurrent ||
      this.stop.signal.aborted
    ) {
      return false;
    }
    const done = probe()
      .then(
        outcome => {
          this.finish(outcome);
        },
        (error: unknown) => {
          this.options.logger.warn({ instanceId, kind, err: error }, 'health probe failed');
          this.finish({ instanceId, kind, result: 'deferred', reason: 'probe_error' });
        },
      )
      .finally(() => {
        this.running.delete(instanceId);
      });
    this.running.set(instanceId, done);
    return true;
  }

  /** Whether outcomes wait for a tick to apply them. */
  get hasFinished(): boolean {
    return this.finished.length > 0;
  }

  /** The outcomes finished since the last call, oldest first. */
  take(): ProbeOutcome[] {
    const outcomes = this.finished;
    this.finished = [];
    this.unapplied.clear();
    return outcomes;
  }

  // Running, or finished with an outcome no tick has written yet (a second probe would repeat it).
  private busy(instanceId: string): boolean {
    return this.running.has(instanceId) || this.unapplied.has(instanceId);
  }

  private finish(outcome: ProbeOutcome): void {
    this.finished.push(outcome);
    this.unapplied.add(outcome.instanceId);
  }

  /** Resolves once every probe running now has finished (tests, and close). */
  async settled(): Promise<void> {
    await Promise.all([...this.running.values()]);
  }

  /** Aborts running probes and waits for them; no probe starts after it. */
  async close(): Promise<void> {
    this.stop.abort();
    await this.settled();
  }
}

/**
 * Exponential back-off after `failures` consecutive failures: `baseMs`, doubled per further
 * failure, at most `maxMs` (taskscaler backs off a failing `instance_ready_command` too).
 */
export function backoffMs(failures: number, baseMs: number, maxMs: number): number {
  const exponent = Math.max(0, Math.min(30, failures - 1));
  return Math.min(maxMs, baseMs * 2 ** exponent);
}
