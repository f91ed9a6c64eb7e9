import { LogMasker, effectiveFailureReason } from '@taskfleet/gitlab';

import { jobFailedLine, jobHeader } from '../job/job-header';
import type { OutboxEntry } from './job-record';
import type { JobProcessorOptions } from './processor-options';
import type { ReportTarget } from './report-target';

const hourMs = 3600_000;

/** When re-sending a final state decided now stops (`finalUpdateDeadlineMs`, default 1 h). */
export function finalDeadlineAtMs(
  options: Pick<JobProcessorOptions, 'clock' | 'finalUpdateDeadlineMs'>,
): number {
  return options.clock.now() + (options.finalUpdateDeadlineMs ?? hourMs);
}

/**
 * The final state of a job failed as a system failure with `detail` as its last log line; the
 * lines are appended to whatever log GitLab holds (an earlier run's, or this run's so far).
 */
export function systemFailureOutbox(
  options: Pick<JobProcessorOptions, 'clock' | 'finalUpdateDeadlineMs' | 'runnerDescription'>,
  target: ReportTarget,
  detail: string,
): OutboxEntry {
  const masker = new LogMasker({
    maskedValues: target.maskedValues,
    tokenMaskPrefixes: target.tokenMaskPrefixes,
  });
  const text =
    jobHeader(options.runnerDescription) + jobFailedLine({ detail, systemFailure: true });
  return {
    state: 'failed',
    failureReason: effectiveFailureReason('runner_system_failure', target.failureReasons),
    logFromOffset: null,
    log: Buffer.concat([...masker.write(Buffer.from(text)), ...masker.end()]),
    deadlineAtMs: finalDeadlineAtMs(options),
  };
}
