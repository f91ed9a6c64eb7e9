import type { Clock } from '@taskfleet/gitlab';
import type { Logger } from 'pino';

import type { JobRecords } from './job-record';

/**
 * Keeps one delivery's ownership of a job alive by renewing its lease every third of the lease
 * time; `lost` aborts once another executor has taken the job over (this run then stops).
 */
export class JobLease {
  private readonly stopper = new AbortController();
  private readonly lostController = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly records: JobRecords,
    private readonly jobId: number,
    readonly owner: string,
    private readonly leaseMs: number,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Aborted when the lease was lost to another executor. */
  get lost(): AbortSignal {
    return this.lostController.signal;
  }

  /** Starts renewing; idempotent. */
  start(): void {
    this.loop ??= this.renewLoop();
  }

  /** Stops renewing (the lease then runs out unless released). */
  async stop(): Promise<void> {
    this.stopper.abort();
    await this.loop;
  }

  /** Stops renewing and gives the job up at once, so any executor may take it over. */
  async release(): Promise<void> {
    await this.stop();
    try {
      await this.records.release(this.jobId, this.owner);
    } catch (error) {
      // The lease runs out by itself; releasing only saves the wait.
      this.logger.warn({ err: errorCode(error) }, 'could not release job lease');
    }
  }

  private async renewLoop(): Promise<void> {
    const everyMs = Math.max(1, Math.floor(this.leaseMs / 3));
    const stopped = (): boolean => this.stopper.signal.aborted;
    while (!stopped()) {
      await this.clock.sleep(everyMs, this.stopper.signal);
      if (stopped()) {
        return;
      }
      try {
        if (!(await this.records.renew(this.jobId, this.owner, this.clock.now(), this.leaseMs))) {
          this.logger.error('job lease lost to another executor, stopping this run');
          this.lostController.abort(new Error('job lease lost'));
          return;
        }
      } catch (error) {
        // A Redis blip: the lease holds for two more rounds before anyone can take over.
        this.logger.warn({ err: errorCode(error) }, 'could not renew job lease');
      }
    }
  }
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : typeof error;
}
