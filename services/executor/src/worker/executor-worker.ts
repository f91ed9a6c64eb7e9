import type { InstanceGroup } from '@taskfleet/fleeting';
import type { Clock, GitlabClient } from '@taskfleet/gitlab';
import type { Registry } from '@taskfleet/registry';
import { UnrecoverableError, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

import { ExecutorError } from '../errors';
import { JobProcessor } from './process-job';
import type { JobProcessorOptions, ProcessResult } from './process-job';
import type { WorkerQueuedJob } from './queued-job';
import { RunProgress } from './run-progress';

/** Options of ExecutorWorker: the queue to consume and what each job run needs. */
export interface ExecutorWorkerOptions<Encrypted = unknown> extends Omit<
  JobProcessorOptions<Encrypted>,
  'progress' | 'registry' | 'instances' | 'client'
> {
  /** A client with `maxRetriesPerRequest: null` (BullMQ's rule); the worker never closes it. */
  readonly redis: Redis;
  /** BullMQ queue name of the runner (`jobQueueName` of `@taskfleet/job-queue`). */
  readonly queueName: string;
  /** BullMQ key prefix, as the producer uses. */
  readonly queuePrefix?: string;
  readonly registry: Registry;
  readonly instances: Pick<InstanceGroup, 'connectInfo'>;
  readonly client: GitlabClient;
  /** Jobs run at once by this worker. */
  readonly concurrency: number;
  /** BullMQ lock duration; a lock lost to a stalled worker means a redelivery. */
  readonly lockDurationMs?: number;
}

/** Consumes the runner's BullMQ queue and runs each job on a claimed instance slot. */
export class ExecutorWorker<Encrypted = unknown> {
  private worker: Worker<WorkerQueuedJob<Encrypted>, ProcessResult> | undefined;
  private closing: Promise<void> | undefined;
  private readonly processor: JobProcessor<Encrypted>;
  private readonly logger: Logger;
  private readonly clock: Clock;

  constructor(private readonly options: ExecutorWorkerOptions<Encrypted>) {
    this.logger = options.logger.child({ component: 'executor-worker', queue: options.queueName });
    this.clock = options.clock;
    this.processor = new JobProcessor<Encrypted>({
      ...options,
      progress: new RunProgress({ redis: options.redis, baseKey: options.registry.baseKey }),
    });
  }

  /** Starts taking jobs; calling it again while running does nothing. */
  async start(): Promise<void> {
    if (this.worker !== undefined || this.closing !== undefined) {
      return;
    }
    const worker = new Worker<WorkerQueuedJob<Encrypted>, ProcessResult>(
      this.options.queueName,
      (job, _token, signal) => this.handle(job, signal),
      {
        connection: this.options.redis,
        concurrency: this.options.concurrency,
        ...(this.options.queuePrefix === undefined ? {} : { prefix: this.options.queuePrefix }),
        ...(this.options.lockDurationMs === undefined
          ? {}
          : { lockDuration: this.options.lockDurationMs }),
      },
    );
    worker.on('error', error => {
      this.logger.error({ err: error.name }, 'queue worker error');
    });
    this.worker = worker;
    await worker.waitUntilReady();
    this.logger.info({ concurrency: this.options.concurrency }, 'executor worker started');
  }

  /** Stops taking jobs and waits for the running ones to end; idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.worker?.close();
      this.logger.info('executor worker stopped');
    })();
    return this.closing;
  }

  private async handle(
    job: Job<WorkerQueuedJob<Encrypted>, ProcessResult>,
    signal: AbortSignal | undefined,
  ): Promise<ProcessResult> {
    const startedAtMs = this.clock.now();
    try {
      const result = await this.processor.process(job.data, signal);
      this.logger.debug(
        { jobId: job.data.gitlabJobId, result, durationMs: this.clock.now() - startedAtMs },
        'queue job done',
      );
      return result;
    } catch (error) {
      if (error instanceof ExecutorError && !error.retryable) {
        // Retrying cannot help; BullMQ moves it to failed at once.
        throw new UnrecoverableError(error.message);
      }
      throw error;
    }
  }
}
