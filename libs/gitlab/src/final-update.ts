import type { Logger } from 'pino';

import { systemClock } from './clock';
import type { Clock } from './clock';
import type { GitlabClient } from './client';
import type { GitlabApiError } from './errors';
import { backoffMs } from './retry';
import { defaultTraceUpdateIntervalMs } from './trace/trace-writer';
import type { UpdateJobInput } from './update-job';
import { unboundOf } from './log-bindings';

/** How the final update is retried when GitLab fails to answer (not when it answers 202). */
export interface FinalUpdatePolicy {
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly backoffFactor: number;
  readonly jitter: boolean;
  /** Failed attempts allowed before giving up early; the deadline applies regardless. */
  readonly maxFailedAttempts: number;
}

/** Back-off from 1 s doubling to 5 min, no attempt limit: the deadline decides (issue #5: outages up to an hour). */
export const defaultFinalUpdatePolicy: FinalUpdatePolicy = Object.freeze({
  minBackoffMs: 1000,
  maxBackoffMs: 5 * 60_000,
  backoffFactor: 2,
  jitter: true,
  maxFailedAttempts: Number.POSITIVE_INFINITY,
});

/** What the final-update loop needs; `deadlineAtMs` is absolute on `clock`, so it survives a restart. */
export interface SendFinalUpdateInput {
  readonly client: Pick<GitlabClient, 'updateJob'>;
  readonly jobId: number;
  readonly jobToken: string;
  readonly update: Omit<UpdateJobInput, 'checksum' | 'bytesize'> & {
    readonly state: 'success' | 'failed';
  };
  /** The trace's checksum and size, read before each attempt (absent when not known). */
  readonly output: () => { readonly checksum?: string; readonly bytesize?: number };
  /** Sends the rest of the log before each attempt (e.g. `() => writer.drain(…)`). */
  readonly drainTrace?: () => Promise<unknown>;
  /**
   * Called on 412 (GitLab lost the log): rewinds the log to byte 0 so the next `drainTrace`
   * re-uploads all of it; false when the bytes are no longer held.
   */
  readonly rewindTrace?: () => boolean;
  readonly deadlineAtMs: number;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly policy?: Partial<FinalUpdatePolicy>;
  readonly random?: () => number;
  readonly signal?: AbortSignal;
}

/** Why the final-update loop stopped; it never stops without saying which. */
export type FinalUpdateOutcome =
  | {
      readonly kind: 'delivered';
      readonly jobStatus: string | undefined;
      readonly attempts: number;
    }
  | { readonly kind: 'already-final'; readonly jobStatus: string; readonly attempts: number }
  | {
      readonly kind: 'job-gone';
      readonly status: number;
      readonly jobStatus: string | undefined;
      readonly attempts: number;
    }
  | {
      readonly kind: 'deadline-exceeded';
      readonly lastError: GitlabApiError | undefined;
      readonly attempts: number;
    }
  | {
      readonly kind: 'retries-exhausted';
      readonly lastError: GitlabApiError | undefined;
      readonly attempts: number;
    }
  | { readonly kind: 'canceled'; readonly attempts: number };

const FINAL_STATUSES = new Set(['success', 'failed', 'canceled']);

/**
 * Sends the job's final state until GitLab takes it (reference §4.3, §5.4): 202 and 412 wait the
 * update interval and re-send, failures back off per `policy`, all within `deadlineAtMs`.
 */
export async function sendFinalUpdate(input: SendFinalUpdateInput): Promise<FinalUpdateOutcome> {
  const clock = input.clock ?? systemClock;
  const policy = { ...defaultFinalUpdatePolicy, ...input.policy };
  const logger = input.logger.child(
    unboundOf(input.logger, { component: 'final-update', jobId: input.jobId }),
  );
  const random = input.random ?? Math.random;
  let intervalMs = defaultTraceUpdateIntervalMs;
  let attempts = 0;
  let failures = 0;
  let lastError: GitlabApiError | undefined;
  for (;;) {
    if (input.signal?.aborted === true) {
      return { kind: 'canceled', attempts };
    }
    await input.drainTrace?.();
    attempts++;
    const result = await input.client.updateJob(input.jobId, input.jobToken, {
      ...input.update,
      ...input.output(),
    });
    intervalMs = result.updateIntervalMs ?? intervalMs;
    let waitMs = intervalMs;
    switch (result.kind) {
      case 'accepted':
        logger.info(
          { state: input.update.state, attempts, jobStatus: result.jobStatus },
          'final update delivered',
        );
        return { kind: 'delivered', jobStatus: result.jobStatus, attempts };
      case 'aborted':
        // A 200 carrying `Job-Status: failed|canceled` is the answer to our own final state.
        if (result.status === 200) {
          logger.info(
            { state: input.update.state, attempts, jobStatus: result.jobStatus },
            'final update delivered',
          );
          return { kind: 'delivered', jobStatus: result.jobStatus, attempts };
        }
        if (result.jobStatus !== undefined && FINAL_STATUSES.has(result.jobStatus)) {
          logger.warn(
            { status: result.status, jobStatus: result.jobStatus, attempts },
            'job was already final in gitlab',
          );
          return { kind: 'already-final', jobStatus: result.jobStatus, attempts };
        }
        logger.warn(
          { status: result.status, jobStatus: result.jobStatus, attempts },
          'gitlab refused the final update',
        );
        return { kind: 'job-gone', status: result.status, jobStatus: result.jobStatus, attempts };
      case 'retry-later':
        logger.debug({ attempts, waitMs }, 'final update accepted but not completed, re-sending');
        break;
      case 'trace-reset':
        // Reference §4.3 (412): GitLab Runner sets its sent offset to 0, sleeps the interval
        // and sends the whole log again before the next PUT; a lower 416 is the PATCH's own resync.
        if (input.rewindTrace?.() === true) {
          logger.warn({ attempts }, 'gitlab asked to re-send the whole log, re-sending it');
        } else {
          logger.error({ attempts }, 'gitlab asked to re-send the whole log, which is not held');
        }
        break;
      case 'failed':
        failures++;
        lastError = result.error;
        waitMs = Math.max(intervalMs, backoffMs(policy, failures, random));
        logger.warn(
          { attempts, code: result.error.code, status: result.status, waitMs },
          'final update failed',
        );
        if (failures >= policy.maxFailedAttempts) {
          logger.error(
            { attempts, code: result.error.code },
            'final update gave up after its retry limit',
          );
          return { kind: 'retries-exhausted', lastError, attempts };
        }
        break;
    }
    const leftMs = input.deadlineAtMs - clock.now();
    if (leftMs <= 0) {
      logger.error({ attempts, code: lastError?.code }, 'final update deadline passed');
      return { kind: 'deadline-exceeded', lastError, attempts };
    }
    await clock.sleep(Math.min(waitMs, leftMs), input.signal);
  }
}
