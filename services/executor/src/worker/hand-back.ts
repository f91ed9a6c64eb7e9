import { payloadKeyId } from '@taskfleet/job-queue';
import type { QueuedJob } from '@taskfleet/job-queue';
import type { Logger } from 'pino';

import { ExecutorError } from '../errors';
import { errorName } from './job-run';
import type { JobProcessorOptions } from './processor-options';

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
    logger.error({ err: errorName(error) }, 'could not decrypt job payload');
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
