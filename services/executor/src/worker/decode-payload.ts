import { parseJobPayload } from '@taskfleet/gitlab';
import type { JobPayload } from '@taskfleet/gitlab';
import { JobQueueError, decryptPayload } from '@taskfleet/job-queue';
import type { EncryptedPayload } from '@taskfleet/job-queue';

import { ExecutorError } from '../errors';

/** A decrypted payload: a runnable job, or one that can only be failed back to GitLab. */
export type DecodedPayload =
  | { readonly kind: 'job'; readonly job: JobPayload }
  | {
      readonly kind: 'unrunnable';
      readonly jobId: number;
      readonly jobToken: string;
      readonly problems: readonly string[];
    };

/**
 * Decrypts a queued job's payload and reads it as a GitLab job. A payload that is not a valid
 * job but still names its id and token is `unrunnable`; one without them throws
 * `payload_without_job` and one that cannot be decrypted `payload_unreadable` (the job's
 * envelope is then all GitLab can be told through), and one sealed under another key throws
 * `payload_key_mismatch`.
 */
export function decodeQueuedPayload(payload: EncryptedPayload, key: Buffer): DecodedPayload {
  let json: unknown;
  try {
    json = JSON.parse(decryptPayload(payload, key));
  } catch (cause) {
    if (cause instanceof JobQueueError && cause.code === 'payload_key_mismatch') {
      throw new ExecutorError('payload_key_mismatch', cause.message, { cause });
    }
    throw new ExecutorError('payload_unreadable', 'could not decrypt job payload', { cause });
  }
  const parsed = parseJobPayload(json);
  if (parsed.ok) {
    return { kind: 'job', job: parsed.job };
  }
  const raw = (typeof json === 'object' && json !== null ? json : {}) as {
    id?: unknown;
    token?: unknown;
  };
  if (typeof raw.id === 'number' && typeof raw.token === 'string' && raw.token !== '') {
    return { kind: 'unrunnable', jobId: raw.id, jobToken: raw.token, problems: parsed.problems };
  }
  throw new ExecutorError('payload_without_job', 'could not read job payload: no job id and token');
}

/**
 * What went wrong with a payload `decodeQueuedPayload` refused, in the executor's error line and
 * in the job log line a job failed back through its envelope gets.
 */
export function payloadFault(error: unknown): {
  readonly logMessage: string;
  readonly jobLogLine: string;
} {
  if (error instanceof ExecutorError && error.code === 'payload_without_job') {
    return {
      logMessage: 'job payload names no job id and token',
      jobLogLine: 'the job payload was decrypted but names no job id and token',
    };
  }
  return {
    logMessage: 'could not decrypt job payload',
    jobLogLine: 'the job payload could not be decrypted',
  };
}

/**
 * Reads a queued job's separate id-and-token envelope, so a job whose payload cannot be read is
 * still failed back to GitLab; undefined when there is none or it cannot be read either.
 */
export function decodeReportEnvelope(
  report: EncryptedPayload | undefined,
  key: Buffer,
): { readonly jobId: number; readonly jobToken: string } | undefined {
  if (report === undefined) {
    return undefined;
  }
  try {
    const raw = JSON.parse(decryptPayload(report, key)) as { id?: unknown; token?: unknown };
    if (typeof raw.id === 'number' && typeof raw.token === 'string' && raw.token !== '') {
      return { jobId: raw.id, jobToken: raw.token };
    }
  } catch {
    // Damaged as well: the caller reports that nothing can be told to GitLab.
  }
  return undefined;
}
