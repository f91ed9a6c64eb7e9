import type { Clock, GitlabClient } from '@taskfleet/gitlab';
import type { Logger } from 'pino';

import type { ReportTarget } from './report-target';

/** GitLab's word on a job that has not reached an instance yet. */
export type QueuedVerdict =
  | { readonly kind: 'wanted' }
  /** Canceled (`canceling`) or ended (`canceled`/`failed`, 403, 404: `aborted`) in GitLab. */
  | {
      readonly kind: 'canceled';
      readonly aborted: boolean;
      /** Why the job leaves the queue, for the removal's log line. */
      readonly reason: QueuedRemovalReason;
      readonly jobStatus?: string;
    };

/** The only reasons a queued job is removed without running (B34): GitLab said so. */
export type QueuedRemovalReason =
  'gitlab_canceling' | 'gitlab_job_status' | 'gitlab_forbidden' | 'gitlab_not_found';

const abortReasons = {
  'job-status': 'gitlab_job_status',
  forbidden: 'gitlab_forbidden',
  'not-found': 'gitlab_not_found',
} as const;

/**
 * Sends one keep-alive (`PUT state=running`) and reads whether GitLab still wants the job; any
 * answer that is not an explicit cancel or end (an outage, a 5xx) counts as wanted, so a failed
 * lookup never drops a job (B34).
 */
export async function askStillWanted(
  client: Pick<GitlabClient, 'updateJob'>,
  target: Pick<ReportTarget, 'id' | 'token'>,
): Promise<QueuedVerdict> {
  const answer = await client.updateJob(target.id, target.token, { state: 'running' });
  if (answer.kind === 'aborted' || answer.cancelRequested) {
    return {
      kind: 'canceled',
      aborted: answer.kind === 'aborted',
      reason: answer.kind === 'aborted' ? abortReasons[answer.reason] : 'gitlab_canceling',
      ...(answer.jobStatus === undefined ? {} : { jobStatus: answer.jobStatus }),
    };
  }
  return { kind: 'wanted' };
}

/** Settings of a QueuedWatch. */
export interface QueuedWatchOptions {
  readonly client: Pick<GitlabClient, 'updateJob'>;
  readonly target: Pick<ReportTarget, 'id' | 'token'>;
  readonly clock: Clock;
  readonly intervalMs: number;
  readonly logger: Logger;
}

/**
 * Keeps a job that waits for a slot alive in GitLab and watches for its cancel: every
 * `intervalMs` one keep-alive; on a cancel or end, `canceled` aborts and `verdict` says which
 * (B22: a cancel during the wait is seen during the wait, not once the job runs).
 */
export class QueuedWatch {
  private readonly stopper = new AbortController();
  private readonly cancel = new AbortController();
  private loop: Promise<void> | undefined;
  private seen: Extract<QueuedVerdict, { kind: 'canceled' }> | undefined;

  constructor(private readonly options: QueuedWatchOptions) {}

  /** Aborts once GitLab has said the job is canceled or ended. */
  get canceled(): AbortSignal {
    return this.cancel.signal;
  }

  /** The cancel seen, if any. */
  get verdict(): Extract<QueuedVerdict, { kind: 'canceled' }> | undefined {
    return this.seen;
  }

  /** Starts the periodic checks; idempotent. */
  start(): void {
    this.loop ??= this.run();
  }

  /** Stops checking and waits for a check in flight to end. */
  async stop(): Promise<void> {
    this.stopper.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { options } = this;
    const stop = this.stopper.signal;
    for (;;) {
      await options.clock.sleep(options.intervalMs, stop);
      // Read again after the await: stop() may have been called meanwhile.
      if (stop.aborted) {
        return;
      }
      try {
        const verdict = await askStillWanted(options.client, options.target);
        if (verdict.kind === 'canceled') {
          this.seen = verdict;
          this.cancel.abort();
          return;
        }
      } catch (error) {
        // updateJob classifies every HTTP and network failure itself; a throw here is a bug, and
        // the next round (or the run's own keep-alives) asks again.
        options.logger.warn(
          { err: error instanceof Error ? error.name : typeof error },
          'queued check failed',
        );
      }
    }
  }
}
