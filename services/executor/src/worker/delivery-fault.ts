import type { FinalUpdateOutcome } from '@taskfleet/gitlab';
import type { Logger } from 'pino';

import { ExecutorError } from '../errors';
import { anySignal } from './any-signal';
import { deliverOutbox } from './deliver-outbox';
import type { DeliveryProgress } from './delivery-progress';
import { errorName } from './error-name';
import type { JobLease } from './job-lease';
import type { OutboxEntry } from './job-record';
import type { JobProcessorOptions, ProcessResult } from './processor-options';
import type { ReportTarget } from './report-target';
import { systemFailureOutbox } from './system-failure-outbox';

/** An error no branch of a delivery expected, and what the delivery had done by then. */
export interface DeliveryFault {
  readonly error: unknown;
  readonly target: ReportTarget;
  readonly progress: DeliveryProgress;
  /** The delivery's lease on the job's record; undefined when the record could not be taken. */
  readonly lease: JobLease | undefined;
  /** The queue will not offer this entry again once it fails (its last attempt). */
  readonly finalAttempt: boolean;
}

/**
 * Answers an unexpected error in a delivery (Redis refusing, a GitLab client throwing) so that
 * GitLab is told: a final state this delivery decided, or a system failure once the script may
 * have run (or on the queue's last attempt), is sent to GitLab at once, whether or not the
 * record took it. Returns when the record is settled too; otherwise gives the lease up and
 * throws, so the queue's next attempt (or the recovery sweep) finishes from the record: started
 * → system failure, finished → its outbox, and GitLab refuses a second final state. A job whose
 * script never started and that decided nothing is only retried: the next attempt runs it.
 */
export async function answerFault(
  options: JobProcessorOptions,
  logger: Logger,
  fault: DeliveryFault,
): Promise<ProcessResult> {
  const { error, progress, lease, target } = fault;
  const lastChance = fault.finalAttempt || (error instanceof ExecutorError && !error.retryable);
  logger.error(
    {
      err: errorName(error),
      taken: progress.taken,
      started: progress.started,
      stored: progress.stored,
      told: progress.told,
      finalAttempt: fault.finalAttempt,
    },
    'job delivery failed unexpectedly',
  );
  let untold = progress.untold;
  if (untold === undefined && !progress.told && (progress.started || lastChance)) {
    // Nothing decided yet: after a start the script must not run again, and on the last attempt
    // no later delivery will come; both end here as a system failure.
    untold = systemFailureOutbox(
      options,
      target,
      progress.started
        ? 'the executor failed while the job ran and could not record its end; not re-running'
        : 'the executor could not record the job, so it was not run',
    );
    progress.outbox = untold;
  }
  if (untold !== undefined && (await tellDirectly(options, logger, fault, untold))) {
    return resultOf(untold);
  }
  await lease?.release();
  throw error;
}

/**
 * Sends `outbox` to GitLab now; true when the record was marked delivered and the claim freed
 * too, so nothing is left for a later delivery. The claim is freed first: a record marked
 * delivered is never swept again, so a slot still claimed then would stay claimed for good.
 */
async function tellDirectly(
  options: JobProcessorOptions,
  logger: Logger,
  fault: DeliveryFault,
  outbox: OutboxEntry,
): Promise<boolean> {
  const { progress, lease, target } = fault;
  logger.error(
    { state: outbox.state, failureReason: outbox.failureReason, stored: progress.stored },
    'job record cannot be relied on; reporting the final state to gitlab directly',
  );
  const freed = lease !== undefined && (await freeClaim(options, logger, target.id));
  // Shutting down: one attempt, as any final update then; else until the outbox deadline.
  const stopping = options.stopping?.aborted === true;
  let outcome: FinalUpdateOutcome;
  try {
    outcome = await deliverOutbox({
      client: options.client,
      target,
      outbox: stopping
        ? { ...outbox, deadlineAtMs: Math.min(outbox.deadlineAtMs, options.clock.now()) }
        : outbox,
      clock: options.clock,
      logger,
      signal: anySignal(lease?.lost, stopping ? undefined : options.stopping),
    });
  } catch (error) {
    logger.error({ err: errorName(error) }, 'could not report the final state to gitlab directly');
    return false;
  }
  if (outcome.kind === 'canceled' || (stopping && outcome.kind === 'deadline-exceeded')) {
    // Lost to another owner, or stopping: the record's next owner reports it.
    return false;
  }
  progress.told = true;
  logger.warn({ kind: outcome.kind, attempts: outcome.attempts }, 'final state reported directly');
  if (!freed) {
    return false;
  }
  try {
    await options.records.markDelivered(target.id, options.clock.now());
    return true;
  } catch (error) {
    logger.warn({ err: errorName(error) }, 'could not mark a job reported directly delivered');
    return false;
  }
}

/** Gives back what the job may hold in the registry; false leaves it to a later delivery. */
async function freeClaim(
  options: JobProcessorOptions,
  logger: Logger,
  jobId: number,
): Promise<boolean> {
  try {
    await options.registry.leaveWaiting(String(jobId));
    await options.registry.releaseSlot(String(jobId));
    await options.registry.dropPending(String(jobId));
    return true;
  } catch (error) {
    logger.warn({ err: errorName(error) }, 'could not free the claim of a job reported directly');
    return false;
  }
}

function resultOf(outbox: OutboxEntry): ProcessResult {
  if (outbox.state === 'success') {
    return 'success';
  }
  return outbox.failureReason === 'runner_system_failure' ? 'system_failure' : 'failed';
}
