import { Queue } from 'bullmq';
import type { ConnectionOptions, KeepJobs } from 'bullmq';

import { JobQueueError } from './errors';
import { jobQueueName, jobQueuePrefix, queueJobId } from './queue-name';
import type { QueuedJob } from './queued-job';

/** The BullMQ job name every entry carries. */
export const queuedJobName = 'gitlab-job';

/** Finished entries are kept this long so a late duplicate enqueue still finds them (no-op). */
export const defaultKeepCompleted: KeepJobs = { age: 24 * 60 * 60, count: 10_000 };
/** Failed entries are kept longer, for a person to look at. */
export const defaultKeepFailed: KeepJobs = { age: 7 * 24 * 60 * 60, count: 10_000 };

/**
 * Deliveries of one entry when one fails with an unexpected error (Redis refusing, a client
 * throwing): safe, because the consumer's durable job record decides what a retry does and never
 * starts a script twice (invariant 2). Back-off 1 s doubling: 1, 2, 4 and 8 s between them.
 */
export const queuedJobAttempts = 5;
export const queuedJobBackoff = { type: 'exponential', delay: 1000 } as const;

/** Options of createJobQueue. */
export interface JobQueueOptions {
  /** An ioredis Redis or Cluster client without `keyPrefix` (BullMQ refuses it), or options. */
  readonly connection: ConnectionOptions;
  /** The deployment's key prefix, as the registry's `keyPrefix`. */
  readonly prefix: string;
  readonly runnerKey: string;
  readonly removeOnComplete?: KeepJobs;
  readonly removeOnFail?: KeepJobs;
}

/** Result of enqueue. */
export interface EnqueueResult {
  readonly queueJobId: string;
}

/** A thin wrapper over one runner's BullMQ queue of accepted jobs. */
export interface JobQueue {
  readonly name: string;
  readonly prefix: string;
  /** The underlying BullMQ queue, for counts and inspection. */
  readonly queue: Queue<QueuedJob>;
  /** Adds an accepted job under its GitLab id; a second call for the same id is a no-op. */
  enqueue(job: QueuedJob): Promise<EnqueueResult>;
  /** Closes the queue; a shared connection passed in stays open. */
  close(): Promise<void>;
}

function checkJob(job: QueuedJob, runnerKey: string): void {
  if (job.runnerKey !== runnerKey) {
    throw new JobQueueError('invalid_argument', 'could not enqueue job: runner key mismatch');
  }
  if (!Number.isFinite(job.acceptedAtMs)) {
    throw new JobQueueError('invalid_argument', 'could not enqueue job: bad acceptedAtMs');
  }
}

/** Opens one runner's job queue, named and prefixed so it shares the registry's cluster slot. */
export function createJobQueue(options: JobQueueOptions): JobQueue {
  const name = jobQueueName(options.runnerKey);
  const prefix = jobQueuePrefix(options.prefix, options.runnerKey);
  const queue = new Queue<QueuedJob>(name, { connection: options.connection, prefix });
  const removeOnComplete = options.removeOnComplete ?? defaultKeepCompleted;
  const removeOnFail = options.removeOnFail ?? defaultKeepFailed;
  let closing: Promise<void> | undefined;

  return {
    name,
    prefix,
    queue,
    async enqueue(job: QueuedJob): Promise<EnqueueResult> {
      checkJob(job, options.runnerKey);
      const id = queueJobId(job.gitlabJobId);
      try {
        // BullMQ's add with an existing jobId leaves the stored job untouched: the idempotence.
        await queue.add(queuedJobName, job, {
          jobId: id,
          removeOnComplete,
          removeOnFail,
          // A retry reads the consumer's job record: a started script is never run again.
          attempts: queuedJobAttempts,
          backoff: queuedJobBackoff,
        });
      } catch (cause) {
        throw new JobQueueError('redis_unavailable', 'could not enqueue job', { cause });
      }
      return { queueJobId: id };
    },
    close(): Promise<void> {
      closing ??= queue.close();
      return closing;
    },
  };
}
