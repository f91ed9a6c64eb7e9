import { TraceChecksum, sendFinalUpdate } from '@taskfleet/gitlab';

import type { RunnerIntake } from './runner-intake';

/** Longest time spent failing an undecodable job back before giving up on it. */
export const invalidJobDeadlineMs = 10 * 60_000;

/** The log line GitLab shows for a job whose payload this runner could not decode. */
export function invalidJobTrace(problems: readonly string[]): string {
  const listed = problems.length === 0 ? 'unknown problem' : problems.join('; ');
  return `ERROR: Job failed (system failure): could not decode the job payload: ${listed}\n`;
}

/**
 * Fails a job GitLab assigned but this runner cannot decode: one trace PATCH with the reason,
 * then the final `failed` / `runner_system_failure` PUT (reference §3.5: no ack needed first).
 */
export async function failInvalidJob(
  intake: RunnerIntake,
  job: { readonly jobId: number; readonly jobToken: string; readonly problems: readonly string[] },
  signal: AbortSignal,
): Promise<void> {
  const { client, logger, clock } = intake;
  // The problems name fields, never values, so they are safe in the trace and the log.
  const bytes = Buffer.from(invalidJobTrace(job.problems), 'utf8');
  const checksum = new TraceChecksum();
  const patched = await client.patchTrace(job.jobId, job.jobToken, 0, bytes);
  if (patched.kind === 'ok') {
    checksum.update(bytes);
  } else {
    logger.warn({ jobId: job.jobId, kind: patched.kind }, 'could not send trace of invalid job');
  }
  const outcome = await sendFinalUpdate({
    client,
    jobId: job.jobId,
    jobToken: job.jobToken,
    update: { state: 'failed', failureReason: 'runner_system_failure' },
    output: () => ({ checksum: checksum.checksum, bytesize: checksum.bytesize }),
    deadlineAtMs: clock.now() + invalidJobDeadlineMs,
    logger,
    clock,
    signal,
  });
  const level = outcome.kind === 'delivered' || outcome.kind === 'already-final' ? 'info' : 'error';
  logger[level]({ jobId: job.jobId, outcome: outcome.kind }, 'invalid job failed back to gitlab');
}
