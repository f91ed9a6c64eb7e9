import { effectiveFailureReason } from '@taskfleet/gitlab';
import type { JobPayload } from '@taskfleet/gitlab';
import { encryptPayload } from '@taskfleet/job-queue';
import { SpanKind, inSpan, spanNames, traceAttributes, traceparentOf } from '@taskfleet/telemetry';

import { backoffDelayMs } from './backoff';
import type { RunnerIntake } from './runner-intake';

/** How a received job left the poller. */
export type HandoffOutcome =
  /** Accepted in GitLab and in the queue. */
  | 'enqueued'
  /** GitLab refused the acceptance (canceled, taken back, token gone): nothing to run. */
  | 'refused'
  /** Shutdown was forced before the job was safely handed on. */
  | 'abandoned';

/** Attempts at turning the reservation into pending demand before leaving it to expire. */
const CONVERT_ATTEMPTS = 5;

function acceptJob(
  intake: RunnerIntake,
  job: JobPayload,
  force: AbortSignal,
): Promise<'accepted' | 'refused' | 'abandoned'> {
  return inSpan(intake.tracer, spanNames.pollerAccept, {}, async span => {
    const outcome = await acceptWithRetries(intake, job, force, attempts => {
      span.setAttribute(traceAttributes.attempts, attempts);
    });
    span.setAttribute(traceAttributes.outcome, outcome);
    return outcome;
  });
}

async function acceptWithRetries(
  intake: RunnerIntake,
  job: JobPayload,
  force: AbortSignal,
  attempted: (attempts: number) => void,
): Promise<'accepted' | 'refused' | 'abandoned'> {
  for (let failures = 1; ; failures++) {
    attempted(failures);
    const result = await intake.client.acceptJob(job.id, job.token);
    // 412 asks for the trace again; the job is running on GitLab's side all the same.
    if (result.kind === 'accepted' || result.kind === 'trace-reset') {
      return 'accepted';
    }
    if (result.kind === 'aborted') {
      intake.logger.warn({ jobId: job.id, reason: result.reason }, 'gitlab refused job acceptance');
      return 'refused';
    }
    // GitLab stays the judge: once its ack timeout requeues the job, the retry is answered 403.
    const waitMs = backoffDelayMs(intake.settings.backoff, failures);
    intake.logger.warn({ jobId: job.id, kind: result.kind, waitMs }, 'could not accept job');
    await intake.clock.sleep(waitMs, force);
    if (force.aborted) {
      return 'abandoned';
    }
  }
}

function enqueueJob(
  intake: RunnerIntake,
  job: JobPayload,
  acceptedAtMs: number,
  force: AbortSignal,
): Promise<boolean> {
  return inSpan(intake.tracer, spanNames.pollerEnqueue, { kind: SpanKind.PRODUCER }, async span => {
    // The executor's job span becomes this span's child, across the queue.
    const traceparent = traceparentOf();
    const done = await enqueueWithRetries(intake, job, acceptedAtMs, force, traceparent);
    span.setAttribute(traceAttributes.outcome, done ? 'enqueued' : 'abandoned');
    return done;
  });
}

async function enqueueWithRetries(
  intake: RunnerIntake,
  job: JobPayload,
  acceptedAtMs: number,
  force: AbortSignal,
  traceparent: string | undefined,
): Promise<boolean> {
  const payload = encryptPayload(JSON.stringify(job), intake.payloadKey);
  // A second, tiny envelope: enough to fail the job back if the payload cannot be read.
  const report = encryptPayload(
    JSON.stringify({ id: job.id, token: job.token }),
    intake.payloadKey,
  );
  const entry = {
    gitlabJobId: job.id,
    runnerKey: intake.runnerKey,
    acceptedAtMs,
    payload,
    report,
    ...(traceparent === undefined ? {} : { traceparent }),
  };
  for (let failures = 1; ; failures++) {
    try {
      await intake.jobQueue.enqueue(entry);
      return true;
    } catch (err) {
      // The job is accepted: dropping it would leave it running in GitLab forever (invariant 1).
      const waitMs = backoffDelayMs(intake.settings.backoff, failures);
      intake.logger.error(
        { jobId: job.id, err, failures, waitMs },
        'could not enqueue accepted job; retrying',
      );
      await intake.clock.sleep(waitMs, force);
      if (force.aborted) {
        return false;
      }
    }
  }
}

async function convertReservation(
  intake: RunnerIntake,
  jobId: number,
  reservationId: string,
  force: AbortSignal,
): Promise<void> {
  for (let failures = 1; failures <= CONVERT_ATTEMPTS; failures++) {
    try {
      const r = await intake.registry.convertReservation(reservationId, String(jobId));
      if (r.reservationExpired) {
        intake.logger.warn({ jobId }, 'reservation expired before the job arrived');
      }
      return;
    } catch (err) {
      intake.logger.warn({ jobId, err, failures }, 'could not convert reservation');
      await intake.clock.sleep(backoffDelayMs(intake.settings.backoff, failures), force);
      if (force.aborted) {
        return;
      }
    }
  }
  // The queue entry is demand the scaler sees anyway; only the intake count is off until expiry.
  intake.logger.error({ jobId }, 'gave up converting reservation');
}

/**
 * One attempt, on the way out, at failing an accepted job that never reached the queue, so GitLab
 * retries it by its own rules instead of showing it running until its stale timeout.
 */
async function failAbandoned(intake: RunnerIntake, job: JobPayload): Promise<void> {
  const failureReason = effectiveFailureReason(
    'runner_system_failure',
    job.features.failure_reasons,
  );
  const result = await intake.client.updateJob(job.id, job.token, {
    state: 'failed',
    failureReason,
  });
  if (result.kind === 'accepted' || result.kind === 'aborted') {
    intake.logger.warn({ jobId: job.id, kind: result.kind }, 'abandoned job failed back to gitlab');
  } else {
    intake.logger.error({ jobId: job.id, kind: result.kind }, 'could not fail abandoned job back');
  }
}

/**
 * Takes a job GitLab just assigned: accept it at once (`PUT state=running`), enqueue it under its
 * GitLab id with the payload encrypted, and turn the reservation into pending demand. Keeps
 * retrying until done or until `force` aborts (a forced shutdown).
 */
export async function handOffJob(
  intake: RunnerIntake,
  job: JobPayload,
  reservationId: string,
  force: AbortSignal,
): Promise<HandoffOutcome> {
  const accepted = await acceptJob(intake, job, force);
  if (accepted !== 'accepted') {
    await intake.registry.releaseReservation(reservationId).catch((err: unknown) => {
      intake.logger.warn({ err }, 'could not release reservation');
    });
    return accepted;
  }
  const acceptedAtMs = intake.clock.now();
  if (!(await enqueueJob(intake, job, acceptedAtMs, force))) {
    intake.logger.error({ jobId: job.id }, 'accepted job abandoned at forced shutdown');
    await failAbandoned(intake, job);
    return 'abandoned';
  }
  await convertReservation(intake, job.id, reservationId, force);
  intake.logger.info({ jobId: job.id, acceptedAtMs }, 'job accepted and enqueued');
  return 'enqueued';
}
