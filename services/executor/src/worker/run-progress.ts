import type { Cluster, Redis } from 'ioredis';

/** Where one job's run stands: the script was started, or the job's final state was handled. */
export type RunStage = 'started' | 'finished';

/** Options of RunProgress. */
export interface RunProgressOptions {
  readonly redis: Redis | Cluster;
  /** The registry's hash-tagged base key, so the marker lives in the runner's cluster slot. */
  readonly baseKey: string;
  /** How long a marker outlives its job; longer than any redelivery can come. */
  readonly ttlMs?: number;
}

const defaultTtlMs = 7 * 24 * 3600_000;

/**
 * A durable per-job marker (`B:run:<jobId>`) written before the script starts, so a redelivered
 * job whose script already started is never run again (invariant 2), and one already finished
 * is not reported twice.
 */
export class RunProgress {
  private readonly ttlMs: number;

  constructor(private readonly options: RunProgressOptions) {
    this.ttlMs = options.ttlMs ?? defaultTtlMs;
  }

  /** The marker key of one job. */
  keyOf(jobId: number): string {
    return `${this.options.baseKey}:run:${jobId}`;
  }

  /** Where the job stands, or undefined when its script was never started. */
  async stageOf(jobId: number): Promise<RunStage | undefined> {
    const value = await this.options.redis.get(this.keyOf(jobId));
    return value === 'started' || value === 'finished' ? value : undefined;
  }

  /** Records that the script is about to start; false when some run had recorded it already. */
  async markStarted(jobId: number): Promise<boolean> {
    const set = await this.options.redis.set(this.keyOf(jobId), 'started', 'PX', this.ttlMs, 'NX');
    return set === 'OK';
  }

  /** Records that the job's final state was handled; a redelivery then only acknowledges it. */
  async markFinished(jobId: number): Promise<void> {
    await this.options.redis.set(this.keyOf(jobId), 'finished', 'PX', this.ttlMs);
  }
}
