/** Header values GitLab sends about a job on PUT and PATCH answers. */
export interface JobStatusHeaders {
  /** `Job-Status`: the job's status in GitLab, e.g. `running`, `canceling`, `canceled`. */
  readonly jobStatus: string | undefined;
  /** `X-GitLab-Trace-Update-Interval` in ms, when positive (GitLab Runner caps it at 15 min). */
  readonly updateIntervalMs: number | undefined;
  /** GitLab asked for a graceful cancel (`Job-Status: canceling`): stop the script, run after_script. */
  readonly cancelRequested: boolean;
}

/** The longest update interval GitLab Runner accepts from the server. */
export const maxUpdateIntervalMs = 15 * 60_000;

/** Reads `Job-Status` and `X-GitLab-Trace-Update-Interval` from an answer. */
export function readJobStatusHeaders(headers: Headers): JobStatusHeaders {
  const jobStatus = headers.get('job-status')?.trim() || undefined;
  const rawInterval = headers.get('x-gitlab-trace-update-interval')?.trim();
  const seconds = rawInterval !== undefined && /^\d+$/.test(rawInterval) ? Number(rawInterval) : 0;
  return {
    jobStatus,
    updateIntervalMs: seconds > 0 ? Math.min(seconds * 1000, maxUpdateIntervalMs) : undefined,
    cancelRequested: jobStatus === 'canceling',
  };
}

/** Whether GitLab says the job is over for the runner: abort everything, report nothing more. */
export function isAbortStatus(jobStatus: string | undefined): boolean {
  return jobStatus === 'canceled' || jobStatus === 'failed';
}
