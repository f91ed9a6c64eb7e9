import { retryWhenCovers } from './failure-reasons';
import type { JobRecord } from './job-record';

/**
 * `true` when GitLab would retry the failed job automatically: fewer tries than `retry:max`,
 * the failure reason covered by `retry:when`, and the exit code listed in `retry:exit_codes`.
 */
export function shouldAutoRetry(record: JobRecord): boolean {
  const { retry } = record.spec;
  if (record.status !== 'failed' || record.retryCount >= retry.max) {
    return false;
  }
  if (!retryWhenCovers(retry.when, record.failureReason ?? 'unknown_failure')) {
    return false;
  }
  if (retry.exitCodes === undefined) {
    return true;
  }
  return record.exitCode !== undefined && retry.exitCodes.includes(record.exitCode);
}
