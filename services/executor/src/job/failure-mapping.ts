import { FleetingError } from '@taskfleet/fleeting';
import { effectiveFailureReason } from '@taskfleet/gitlab';
import type { RunResult } from '@taskfleet/fleeting';

/** How a job ended, as the final update reports it. */
export interface JobOutcome {
  readonly outcome: 'success' | 'failed' | 'canceled';
  /** Set when `outcome` is `failed`: the reason to send (after the server-support fallback). */
  readonly failureReason?: string;
  /** The failing command's exit code, when there is one. */
  readonly exitCode?: number;
  /** Why the job failed, for the log, when GitLab Runner would print more than an exit code. */
  readonly detail?: string;
  /** The failure was the runner's or the instance's, not the script's. */
  readonly systemFailure?: boolean;
  /**
   * Set when `outcome` is `canceled` because GitLab ended the job (`Job-Status: canceled|failed`
   * or 403): nothing more is reported. Unset, a canceled job was canceled gracefully
   * (`canceling`) and its final state is still sent.
   */
  readonly aborted?: boolean;
}

/** What one stage ended with. */
export type StageEnd =
  | { readonly kind: 'exited'; readonly result: RunResult }
  | { readonly kind: 'error'; readonly error: unknown }
  /** Stopped by its timeout (the job's, or RUNNER_SCRIPT_TIMEOUT / RUNNER_AFTER_SCRIPT_TIMEOUT). */
  | { readonly kind: 'timed-out' }
  /** Stopped by a graceful cancel (`Job-Status: canceling`). */
  | { readonly kind: 'canceled' }
  /** Stopped because GitLab ended the job. */
  | { readonly kind: 'aborted' };

/** Whether a stage ended with exit code 0. */
export function stageSucceeded(end: StageEnd): boolean {
  return end.kind === 'exited' && end.result.exitCode === 0;
}

/**
 * GitLab Runner's verdict on a failed stage: a non-zero exit is the script's failure
 * (`script_failure` with its exit code, for get_sources too, as GitLab Runner reports a failed
 * fetch), a stage stopped by a timeout is `job_execution_timeout` (never the instance's fault),
 * a cancel is `canceled`, while a lost connection or any other error is
 * `runner_system_failure`; the reason falls back per the job's `features.failure_reasons`.
 */
export function failedOutcome(end: StageEnd, serverReasons: readonly string[]): JobOutcome {
  if (end.kind === 'exited') {
    const { exitCode, signal } = end.result;
    if (exitCode === null) {
      return {
        outcome: 'failed',
        failureReason: effectiveFailureReason('script_failure', serverReasons),
        detail: `the script was ended by signal ${signal ?? 'unknown'}`,
      };
    }
    return {
      outcome: 'failed',
      failureReason: effectiveFailureReason('script_failure', serverReasons),
      exitCode,
    };
  }
  if (end.kind === 'canceled') {
    return { outcome: 'canceled' };
  }
  if (end.kind === 'aborted') {
    return { outcome: 'canceled', aborted: true };
  }
  if (end.kind === 'timed-out') {
    // The caller knows which limit it was; without one this is the job's own timeout.
    return {
      outcome: 'failed',
      failureReason: effectiveFailureReason('job_execution_timeout', serverReasons),
    };
  }
  if (end.error instanceof FleetingError && end.error.code === 'canceled') {
    return { outcome: 'canceled', aborted: true };
  }
  const message = end.error instanceof Error ? end.error.message : String(end.error);
  return {
    outcome: 'failed',
    failureReason: effectiveFailureReason('runner_system_failure', serverReasons),
    detail: message,
    systemFailure: true,
  };
}

/**
 * The verdict on a job the executor's shutdown stopped (`shutdown` aborted, GitLab's `abort`
 * not): a system failure GitLab must be told of, the shutdown's reason (a string) as its last
 * log line, where a job GitLab itself ended is reported to nobody. Any other outcome is kept.
 */
export function shutdownVerdict(
  outcome: JobOutcome,
  shutdown: AbortSignal | undefined,
  abort: AbortSignal | undefined,
  serverReasons: readonly string[],
): JobOutcome {
  const byShutdown =
    shutdown?.aborted === true &&
    abort?.aborted !== true &&
    outcome.outcome === 'canceled' &&
    outcome.aborted === true;
  if (!byShutdown) {
    return outcome;
  }
  const reason: unknown = shutdown.reason;
  return {
    outcome: 'failed',
    failureReason: effectiveFailureReason('runner_system_failure', serverReasons),
    detail: typeof reason === 'string' ? reason : 'aborted: the executor shut down',
  };
}
