// Stands in for executors in scaler scenarios: between ticks it claims registry slots for
// queued jobs and releases them when their run time has passed on the manual clock, keeping a
// log of which instance held which job when, so a test can tell busy instances from idle ones.
import type { Registry } from '@taskfleet/registry';

/** One job's time on an instance. */
export interface JobRun {
  readonly jobId: string;
  readonly instanceId: string;
  readonly claimedAtMs: number;
  releasedAtMs: number | undefined;
}

/** Queued jobs turned into claims on the registry's busiest ready slots. */
export class JobSimulator {
  /** Jobs waiting for a slot, each with its run time. */
  private readonly waiting: { jobId: string; runMs: number }[] = [];
  private readonly runs = new Map<string, JobRun & { endsAtMs: number }>();
  private readonly done: JobRun[] = [];
  private seq = 0;

  constructor(
    private readonly registry: Registry,
    private readonly now: () => number,
  ) {}

  /** Adds `count` jobs that each run for `runMs` once they have a slot. */
  enqueue(count: number, runMs: number): void {
    for (let i = 0; i < count; i += 1) {
      this.seq += 1;
      this.waiting.push({ jobId: `job-${this.seq}`, runMs });
    }
  }

  /** Jobs waiting for a slot: the scaler's queued demand. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Jobs holding a slot now. */
  get running(): number {
    return this.runs.size;
  }

  /** Releases the jobs whose time is up, then claims slots for waiting jobs while any is free. */
  async step(): Promise<void> {
    const nowMs = this.now();
    for (const run of [...this.runs.values()]) {
      if (run.endsAtMs <= nowMs) {
        await this.registry.releaseSlot(run.jobId);
        this.runs.delete(run.jobId);
        this.done.push({ ...run, releasedAtMs: nowMs });
      }
    }
    while (this.waiting.length > 0) {
      const next = this.waiting[0];
      const claim = next === undefined ? undefined : await this.registry.claimSlot(next.jobId);
      if (next === undefined || claim === undefined) {
        break;
      }
      this.waiting.shift();
      this.runs.set(next.jobId, {
        jobId: next.jobId,
        instanceId: claim.instanceId,
        claimedAtMs: nowMs,
        releasedAtMs: undefined,
        endsAtMs: nowMs + next.runMs,
      });
    }
  }

  /** Instances holding at least one running job now. */
  busyInstances(): Set<string> {
    return new Set([...this.runs.values()].map(r => r.instanceId));
  }

  /** Every job run so far, finished and running. */
  history(): JobRun[] {
    return [...this.done, ...[...this.runs.values()].map(r => ({ ...r }))];
  }
}
