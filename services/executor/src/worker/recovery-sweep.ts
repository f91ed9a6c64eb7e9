import type { Clock } from '@taskfleet/gitlab';
import type { Logger } from 'pino';

import type { JobRecords } from './job-record';
import { errorName } from './error-name';
import type { JobProcessor } from './process-job';

/** Options of RecoverySweep. */
export interface RecoverySweepOptions {
  readonly records: JobRecords;
  readonly processor: JobProcessor;
  /** Whether the job's queue entry is still live (waiting, delayed or active). */
  readonly queueHasJob: (jobId: number) => Promise<boolean>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** @defaultValue 10 000 */
  readonly intervalMs?: number;
  /** Records looked at per round. @defaultValue 100 */
  readonly batchSize?: number;
}

/**
 * Every executor's periodic look at the jobs whose final state is not yet delivered: any whose
 * owner's lease ran out (its executor died) is taken over — an outbox is re-sent, a started job
 * is failed as a system failure. Rounds run one at a time; jobs still owned are skipped.
 */
export class RecoverySweep {
  private readonly stopper = new AbortController();
  private loop: Promise<void> | undefined;
  // A takeover may deliver through a long GitLab outage: each runs on its own, one per job.
  private readonly inFlight = new Map<number, Promise<void>>();

  constructor(private readonly options: RecoverySweepOptions) {}

  /** Starts the periodic rounds; idempotent. */
  start(): void {
    this.loop ??= this.run();
  }

  /** Stops starting rounds and waits for the takeovers in progress (they hand over on stop). */
  async stop(): Promise<void> {
    this.stopper.abort();
    await this.loop;
    await this.settled();
  }

  /** Resolves once every takeover started so far has ended. */
  async settled(): Promise<void> {
    await Promise.all([...this.inFlight.values()]);
  }

  /** One round: starts a takeover attempt for each open record not already being taken over. */
  async sweepOnce(): Promise<void> {
    const { records, clock } = this.options;
    const batchSize = this.options.batchSize ?? 100;
    for (const jobId of await records.orphanedJobIds(clock.now(), batchSize)) {
      if (this.stopper.signal.aborted) {
        break;
      }
      if (!this.inFlight.has(jobId)) {
        this.inFlight.set(
          jobId,
          this.recover(jobId).finally(() => this.inFlight.delete(jobId)),
        );
      }
    }
  }

  private async recover(jobId: number): Promise<void> {
    const { processor, logger } = this.options;
    try {
      const result = await processor.recover(jobId, () => this.options.queueHasJob(jobId));
      if (result !== undefined) {
        logger.info({ jobId, result }, 'job taken over from a stopped executor');
      }
    } catch (error) {
      logger.warn({ jobId, err: errorName(error) }, 'could not recover job');
    }
  }

  private async run(): Promise<void> {
    const intervalMs = this.options.intervalMs ?? 10_000;
    const stopped = (): boolean => this.stopper.signal.aborted;
    while (!stopped()) {
      await this.options.clock.sleep(intervalMs, this.stopper.signal);
      if (stopped()) {
        return;
      }
      try {
        await this.sweepOnce();
      } catch (error) {
        this.options.logger.warn({ err: errorName(error) }, 'recovery sweep round failed');
      }
    }
  }
}
