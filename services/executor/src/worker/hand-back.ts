import { payloadKeyId } from '@taskfleet/job-queue';
import type { QueuedJob } from '@taskfleet/job-queue';
import type { Logger } from 'pino';

import { ExecutorError } from '../errors';
import { decodeQueuedPayload, decodeReportEnvelope, payloadFault } from './decode-payload';
import type { DecodedPayload } from './decode-payload';
import { errorName } from './error-name';
import type { JobProcessorOptions } from './processor-options';

/**
 * Reads a delivery's job: its payload, or failing that its id-and-token envelope (the job is then
 * `unrunnable`, failed back to GitLab as a system failure). With neither readable, or the
 * envelope naming another job, the job's pending demand and claim are freed, it is handed back
 * (another payload key) or only logged, and the decrypt error is thrown (the queue entry fails).
 */
export async function decodeOrHandBack(
  options: Pick<JobProcessorOptions, 'failBacks' | 'payloadKey' | 'clock' | 'registry'>,
  queued: QueuedJob,
  logger: Logger,
): Promise<DecodedPayload> {
  try {
    return decodeQueuedPayload(queued.payload, options.payloadKey);
  } catch (error) {
    const report = decodeReportEnvelope(queued.report, options.payloadKey);
    const jobId = queued.gitlabJobId;
    if (report === undefined || report.jobId !== jobId) {
      await options.registry.dropPending(String(jobId));
      await options.registry.releaseSlot(String(jobId));
      await handBack(options, queued, error, logger);
      throw error;
    }
    const fault = payloadFault(error);
    logger.error({ err: errorName(error) }, fault.logMessage);
    return { kind: 'unrunnable', jobId, jobToken: report.jobToken, problems: [fault.jobLogLine] };
  }
}

/**
 * What is left to do with a job whose envelopes this executor cannot open. Sealed under another
 * payload key: it is handed to the pollers (one of them holds that key and can fail it back to
 * GitLab as `runner_system_failure`) with one error line naming both key ids, never a key.
 * Damaged: nothing can be told to GitLab, and the job stays running there until its timeout.
 */
export async function handBack(
  options: Pick<JobProcessorOptions, 'failBacks' | 'payloadKey' | 'clock'>,
  queued: QueuedJob,
  error: unknown,
  logger: Logger,
): Promise<void> {
  const { clock } = options;
  const mismatch = error instanceof ExecutorError && error.code === 'payload_key_mismatch';
  if (!mismatch || queued.report === undefined || options.failBacks === undefined) {
    logger.error({ err: errorName(error) }, payloadFault(error).logMessage);
    return;
  }
  const seen = {
    jobKeyId: queued.payload.kid ?? 'none',
    executorKeyId: payloadKeyId(options.payloadKey),
    atMs: clock.now(),
  };
  await options.failBacks.add(
    { gitlabJobId: queued.gitlabJobId, report: queued.report, reason: 'payload_key_mismatch' },
    seen,
  );
  logger.error(
    { err: errorName(error), jobKeyId: seen.jobKeyId, executorKeyId: seen.executorKeyId },
    'job encrypted under another payload_encryption_key than this executor has; handed back for a poller to fail',
  );
}
