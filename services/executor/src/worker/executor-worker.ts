import type { InstanceGroup } from '@taskfleet/fleeting';
import type { Clock, GitlabClient } from '@taskfleet/gitlab';
import { jobQueueName, jobQueuePrefix } from '@taskfleet/job-queue';
import type { QueuedJob } from '@taskfleet/job-queue';
import type { Registry } from '@taskfleet/registry';
import { UnrecoverableError, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

import { ExecutorError } from '../errors';
import { JobProcessor } from './process-job';
import type { JobProcessorOptions, ProcessResult } from './processor-options';
import { RunProgress } from './run-progress';

/** Options of ExecutorWorker: the queue to consume and what each job run needs. */
export interface ExecutorWorkerOptions extends Omit<
  JobProcessorOptions,
  'progress' | 'registry' | 'instances' | 'client'
> {
  /**
   * A client with `maxRetriesPerRequest: null` (BullMQ's rule) and no `keyPrefix`; shared with
   * the registry's, and never closed by the worker.
   */
  readonly redis: Redis;
  /** The deployment's key prefix (the registry's `keyPrefix`). */
  readonly keyPrefix: string;
  /** The runner whose queue this worker consumes (the registry's `runnerKey`). */
  readonly runnerKey: string;
  readonly registry: Registry;
  readonly instances: Pick<InstanceGroup, 'connectInfo'>;
  readonly client: GitlabClient;
  /** Jobs run at once by this worker. */
  readonly concurrency: number;
  /** BullMQ lock duration; a lock lost to a stalled worker means a redelivery. */
  readonly lockDurationMs?: number;
}

/** Consumes the runner's BullMQ queue and runs each job on a claimed instance slot. */
export class ExecutorWorker {
  private worker: Worker<QueuedJob, ProcessResult> | undefined;
  private closing: Promise<void> | undefined;
  private readonly processor: JobProcessor;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly queueName: string;
  private readonly queuePrefix: string;

  constructor(private readonly options: ExecutorWorkerOptions) {
    this.queueName = jobQueueName(options.runnerKey);
    this.queuePrefix = jobQueuePrefix(options.keyPrefix, options.runnerKey);
    this.logger = options.logger.child({ component: 'executor-worker', queue: this.queueName });
    this.clock = options.clock;
    this.processor = new JobProcessor({
      ...options,
      progress: new RunProgress({ redis: options.redis, baseKey: options.registry.baseKey }),
    });
  }

  /** Starts taking jobs; calling it again while running does nothing. */
  async start(): Promise<void> {
    if (this.worker !== undefined || this.closing !== undefined) {
      return;
    }
    const worker = new Worker<QueuedJob, ProcessResult>(
      this.queueName,
      (job, _token, signal) => this.handle(job, signal),
      {
        connection: this.options.redis,
        concurrency: this.options.concurrency,
        prefix: this.queuePrefix,
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
    job: Job<QueuedJob, ProcessResult>,
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
