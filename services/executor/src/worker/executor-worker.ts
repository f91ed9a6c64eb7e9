import type { InstanceGroup } from '@taskfleet/fleeting';
import type { Clock, GitlabClient } from '@taskfleet/gitlab';
import { randomBytes } from 'node:crypto';

import { FailBackRequests, jobQueueName, jobQueuePrefix, queueJobId } from '@taskfleet/job-queue';
import type { QueuedJob } from '@taskfleet/job-queue';
import { SlotGrantWatch } from '@taskfleet/registry';
import type { Registry } from '@taskfleet/registry';
import { DelayedError, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

import { ExecutorError } from '../errors';
import { ConnectionPool } from './connection-pool';
import type { PoolStats } from './connection-pool';
import { anySignal } from './any-signal';
import { dialInstance } from './dial-instance';
import { errorName } from './error-name';
import { JobRecords } from './job-record';
import { JobProcessor } from './process-job';
import type { ExecutorSettings, JobProcessorOptions, ProcessResult } from './processor-options';
import { RecoverySweep } from './recovery-sweep';

/** Options of ExecutorWorker: the queue to consume and what each job run needs. */
export interface ExecutorWorkerOptions extends Omit<
  JobProcessorOptions,
  | 'records'
  | 'registry'
  | 'instances'
  | 'client'
  | 'executorId'
  | 'stopping'
  | 'shutdownAbort'
  | 'failBacks'
  | 'connections'
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
  /** How often BullMQ looks for entries of dead workers to redeliver. @defaultValue 30 000 */
  readonly stalledIntervalMs?: number;
  /** How often this executor looks for undelivered jobs of dead executors. @defaultValue 10 000 */
  readonly recoveryIntervalMs?: number;
  /** This executor's id in job leases and logs. @defaultValue random */
  readonly executorId?: string;
  /** Jobs sharing one SSH connection to an instance (see ConnectionPool). @defaultValue 3 */
  readonly jobsPerConnection?: number;
  /** A pooled SSH connection unused this long is closed. @defaultValue 60 000 */
  readonly connectionIdleTimeMs?: number;
  /** How often unused pooled connections are checked. @defaultValue 5 000 */
  readonly connectionSweepIntervalMs?: number;
}

// How soon an entry put back in the queue is offered again.
const requeueDelayMs = 1000;

// States in which BullMQ will still hand the entry to a worker.
const LIVE_STATES: ReadonlySet<string> = new Set([
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
]);

/** Consumes the runner's BullMQ queue and runs each job on a claimed instance slot. */
export class ExecutorWorker {
  private worker: Worker<QueuedJob, ProcessResult> | undefined;
  private closing: Promise<void> | undefined;
  private readonly processor: JobProcessor;
  private readonly connections: ConnectionPool;
  private readonly records: JobRecords;
  private readonly sweep: RecoverySweep;
  private readonly queue: Queue<QueuedJob>;
  private readonly grants: SlotGrantWatch;
  private readonly stopping = new AbortController();
  private readonly aborting = new AbortController();
  // Deliveries in progress (waiting for a slot, running, reporting), by queue job id.
  private readonly active = new Set<string>();
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly queueName: string;
  private readonly queuePrefix: string;
  private concurrency: number;

  constructor(private readonly options: ExecutorWorkerOptions) {
    this.concurrency = options.concurrency;
    this.queueName = jobQueueName(options.runnerKey);
    this.queuePrefix = jobQueuePrefix(options.keyPrefix, options.runnerKey);
    this.logger = options.logger.child({ component: 'executor-worker', queue: this.queueName });
    this.clock = options.clock;
    this.records = new JobRecords({
      redis: options.redis,
      baseKey: options.registry.baseKey,
      payloadKey: options.payloadKey,
    });
    this.grants = new SlotGrantWatch({
      redis: options.redis,
      channels: [options.registry.grantChannel],
      logger: this.logger,
    });
    this.connections = new ConnectionPool({
      dial: instanceId => dialInstance(options, instanceId),
      clock: options.clock,
      logger: this.logger,
      instanceState: async instanceId => (await options.registry.getInstance(instanceId))?.state,
      ...(options.jobsPerConnection === undefined
        ? {}
        : { jobsPerConnection: options.jobsPerConnection }),
      ...(options.connectionIdleTimeMs === undefined
        ? {}
        : { idleTimeMs: options.connectionIdleTimeMs }),
      ...(options.connectionSweepIntervalMs === undefined
        ? {}
        : { sweepIntervalMs: options.connectionSweepIntervalMs }),
    });
    this.processor = new JobProcessor({
      ...options,
      slotGrants: this.grants,
      connections: this.connections,
      records: this.records,
      failBacks: new FailBackRequests(options.redis, options.keyPrefix, options.runnerKey),
      executorId: options.executorId ?? `ex-${randomBytes(4).toString('hex')}`,
      stopping: this.stopping.signal,
      shutdownAbort: this.aborting.signal,
    });
    this.queue = new Queue<QueuedJob>(this.queueName, {
      connection: options.redis,
      prefix: this.queuePrefix,
    });
    this.sweep = new RecoverySweep({
      records: this.records,
      processor: this.processor,
      queueHasJob: async jobId => LIVE_STATES.has(await this.queue.getJobState(queueJobId(jobId))),
      clock: options.clock,
      logger: this.logger,
      ...(options.recoveryIntervalMs === undefined
        ? {}
        : { intervalMs: options.recoveryIntervalMs }),
    });
  }

  /** How many SSH connections the worker holds open, and has dialled, now. */
  connectionStats(): PoolStats {
    return this.connections.stats();
  }

  /** Runs one recovery round now and waits for its takeovers (tests and shutdown checks). */
  async recoverNow(): Promise<void> {
    await this.sweep.sweepOnce();
    await this.sweep.settled();
  }

  /** Starts taking jobs; calling it again while running does nothing. */
  async start(): Promise<void> {
    if (this.worker !== undefined || this.closing !== undefined) {
      return;
    }
    // Subscribed before the first job can wait, so no grant is announced unheard.
    await this.grants.start();
    const worker = new Worker<QueuedJob, ProcessResult>(
      this.queueName,
      (job, token, signal) => this.handle(job, token, signal),
      {
        connection: this.options.redis,
        concurrency: this.concurrency,
        prefix: this.queuePrefix,
        // A job whose executor died is always redelivered: the job record decides what then
        // happens (run, fail as started, or deliver its outbox), never BullMQ's stall limit.
        maxStalledCount: Number.MAX_SAFE_INTEGER,
        ...(this.options.lockDurationMs === undefined
          ? {}
          : { lockDuration: this.options.lockDurationMs }),
        ...(this.options.stalledIntervalMs === undefined
          ? {}
          : { stalledInterval: this.options.stalledIntervalMs }),
      },
    );
    worker.on('error', error => {
      this.logger.error({ err: error.name }, 'queue worker error');
    });
    this.worker = worker;
    await worker.waitUntilReady();
    this.sweep.start();
    this.connections.start();
    this.logger.info({ concurrency: this.concurrency }, 'executor worker started');
  }

  /**
   * Takes new settings (a config reload): jobs delivered from now on use them, running ones keep
   * theirs; a new `concurrency` changes how many jobs the queue worker takes at once.
   */
  reconfigure(settings: ExecutorSettings & { readonly concurrency?: number }): void {
    const { concurrency, ...jobSettings } = settings;
    this.processor.reconfigure(jobSettings);
    if (concurrency !== undefined) {
      this.concurrency = concurrency;
      if (this.worker !== undefined) {
        this.worker.concurrency = concurrency;
      }
    }
    this.logger.info({ concurrency: this.concurrency }, 'executor worker reconfigured');
  }

  /** How many deliveries this worker has in progress (waiting for a slot, running, reporting). */
  runningJobs(): number {
    return this.active.size;
  }

  /**
   * Ends every delivery in progress at once (the shutdown limit passed): running jobs are
   * killed and reported to GitLab as runner_system_failure with `reason` as their last log
   * line, jobs waiting for a slot fail the same way; each releases its slot. Returns how many
   * were in progress. `close()` still waits for them to have reported.
   */
  abortRunning(reason: string): number {
    if (!this.aborting.signal.aborted) {
      this.logger.warn({ runningJobs: this.active.size }, 'aborting running jobs');
      this.aborting.abort(reason);
    }
    return this.active.size;
  }

  /**
   * Stops taking jobs at once and waits for the running ones to end (`abortRunning` bounds the
   * wait); idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      // Running scripts finish; deliveries still waiting on GitLab hand their outbox over.
      this.stopping.abort();
      // No delivery is taken from here on; this settles once the running ones have ended.
      const drained = this.worker?.close() ?? Promise.resolve();
      drained.catch(() => undefined);
      await this.sweep.stop();
      await drained;
      // Every job has ended: no channel is in use on any pooled connection.
      await this.connections.close();
      await this.queue.close();
      await this.grants.close();
      this.logger.info('executor worker stopped');
    })();
    return this.closing;
  }

  private async handle(
    job: Job<QueuedJob, ProcessResult>,
    token: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ProcessResult> {
    const startedAtMs = this.clock.now();
    const id = job.id ?? String(job.data.gitlabJobId);
    this.active.add(id);
    try {
      // The queue retries a failed entry (job-queue's attempts): the last one reports directly.
      const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const result = await this.processor.process(
        job.data,
        anySignal(signal, this.aborting.signal),
        { finalAttempt },
      );
      if (result === 'handed_over' && token !== undefined) {
        await this.keepInQueue(job, token);
      }
      this.logger.debug(
        { jobId: job.data.gitlabJobId, result, durationMs: this.clock.now() - startedAtMs },
        'queue job done',
      );
      return result;
    } catch (error) {
      if (error instanceof DelayedError) {
        throw error;
      }
      if (error instanceof ExecutorError && !error.retryable) {
        // Retrying cannot help; BullMQ moves it to failed at once.
        throw new UnrecoverableError(error.message);
      }
      throw error;
    } finally {
      this.active.delete(id);
    }
  }

  /**
   * Puts an entry this delivery did not run back in the queue (delayed), so the job is never
   * dropped because its record looked held (B34): a holder that died, or this executor stopping
   * while it waited on a live one, must leave the job for the next delivery, not complete it.
   */
  private async keepInQueue(job: Job<QueuedJob, ProcessResult>, token: string): Promise<never> {
    const jobId = job.data.gitlabJobId;
    try {
      // BullMQ compares delays with real time, not with the injected clock.
      await job.moveToDelayed(Date.now() + requeueDelayMs, token);
      this.logger.info({ jobId, reason: 'record_held' }, 'queued job put back in the queue');
    } catch (error) {
      // Left active without a lock, the entry is found by BullMQ's stalled check and given out
      // again; only failing or completing it here would drop it.
      this.logger.warn({ jobId, err: errorName(error) }, 'could not put queued job back');
    }
    throw new DelayedError();
  }
}
