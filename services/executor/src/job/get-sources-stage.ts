import { effectiveFailureReason } from '@taskfleet/gitlab';
import type { Clock } from '@taskfleet/gitlab';

import { stageSucceeded } from './failure-mapping';
import type { JobOutcome, StageEnd } from './failure-mapping';
import { sourcesScriptError } from './get-sources';
import type { SourcesSettings } from './get-sources';
import type { JobSettings } from './job-settings';
import { attemptsRangeError, runStageAttempts } from './stage-attempts';

/** What the get_sources stage needs from the job run. */
export interface GetSourcesStageInput {
  readonly getSources: string;
  readonly clearWorktree: string;
  readonly sources: SourcesSettings;
  readonly settings: JobSettings;
  /** Runs `body` as one log section. */
  readonly section: (
    name: string,
    title: string,
    body: () => Promise<StageEnd | undefined>,
  ) => Promise<StageEnd | undefined>;
  readonly runStage: (script: string) => Promise<StageEnd>;
  /** The job's outcome for a failed stage end (a timeout worded for the stage). */
  readonly failureOf: (end: StageEnd, stage: string) => Promise<JobOutcome> | JobOutcome;
  readonly serverReasons: readonly string[];
  readonly clock: Pick<Clock, 'sleep'>;
  readonly write: (text: string) => Promise<void>;
  readonly signal?: AbortSignal;
}

/** How get_sources ended: nothing to report, or the failure and the stage end behind it. */
export interface GetSourcesStageEnd {
  readonly failure?: JobOutcome;
  readonly failedEnd?: StageEnd;
}

/**
 * Runs get_sources as GitLab Runner does: its script must be writable and `GET_SOURCES_ATTEMPTS`
 * within 1–10 (else a system failure with no section); each try is a section of its own, and
 * before the second one the work tree is cleared (`clear_worktree`), as after a failed fetch.
 */
export async function runGetSourcesStage(input: GetSourcesStageInput): Promise<GetSourcesStageEnd> {
  const refused =
    sourcesScriptError(input.sources) ??
    attemptsRangeError('get_sources', input.settings.getSourcesAttempts);
  if (refused !== undefined) {
    // Not the instance's fault: the end stages still run on it.
    const failureReason = effectiveFailureReason('runner_system_failure', input.serverReasons);
    return { failure: { outcome: 'failed', failureReason, detail: refused } };
  }
  const title = 'Getting source from Git repository';
  const fetched = await runStageAttempts<StageEnd | undefined>({
    attempts: input.settings.getSourcesAttempts,
    backoff: input.settings.retryBackoff,
    clock: input.clock,
    write: input.write,
    ...(input.signal === undefined ? {} : { signal: input.signal }),
    retryable: end => end?.kind === 'exited' && !stageSucceeded(end),
    run: async attempt => {
      if (attempt === 2) {
        const cleared = await input.section(
          'clear_worktree',
          'Deleting all tracked and untracked files due to source fetch failure',
          () => input.runStage(input.clearWorktree),
        );
        if (cleared !== undefined && !stageSucceeded(cleared)) {
          // GitLab Runner skips this try's fetch when the clearing failed.
          return cleared;
        }
      }
      return input.section('get_sources', title, () => input.runStage(input.getSources));
    },
  });
  if (fetched === undefined || stageSucceeded(fetched)) {
    return {};
  }
  return { failure: await input.failureOf(fetched, 'get_sources'), failedEnd: fetched };
}
