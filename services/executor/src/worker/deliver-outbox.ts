import { sendFinalUpdate } from '@taskfleet/gitlab';
import type { Clock, FinalUpdateOutcome, GitlabClient } from '@taskfleet/gitlab';
import type { Logger } from 'pino';

import { guardedFinalCalls } from './guarded-client';
import type { OutboxEntry } from './job-record';
import { OutboxTrace } from './outbox-trace';
import type { ReportTarget } from './report-target';

/** Inputs of deliverOutbox. */
export interface DeliverOutboxInput {
  readonly client: Pick<GitlabClient, 'patchTrace' | 'updateJob'>;
  readonly target: ReportTarget;
  readonly outbox: OutboxEntry;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
}

/**
 * Sends a finished job's outbox: the rest of its log, then its final state until GitLab takes
 * it or the outbox deadline passes. The same code runs for the executor that ran the job and
 * for any executor that takes an undelivered outbox over; a client that throws is retried as a
 * failed call.
 */
export function deliverOutbox(input: DeliverOutboxInput): Promise<FinalUpdateOutcome> {
  const { outbox, target } = input;
  const client = guardedFinalCalls(input.client, input.logger);
  const trace = new OutboxTrace(
    client,
    target.id,
    target.token,
    outbox.logFromOffset,
    outbox.log,
    input.logger,
    outbox.logSentBytes,
    target.debugTrace === true,
  );
  return sendFinalUpdate({
    client,
    jobId: target.id,
    jobToken: target.token,
    update:
      outbox.state === 'success'
        ? { state: 'success' }
        : {
            state: 'failed',
            ...(outbox.failureReason === undefined ? {} : { failureReason: outbox.failureReason }),
            ...(outbox.exitCode === undefined ? {} : { exitCode: outbox.exitCode }),
          },
    output: () => {
      const checksum = outbox.checksum ?? trace.checksumIfWhole();
      const bytesize = outbox.bytesize ?? trace.bytesize;
      return {
        ...(checksum === undefined ? {} : { checksum }),
        ...(bytesize === undefined ? {} : { bytesize }),
      };
    },
    drainTrace: () => trace.drain(),
    rewindTrace: () => trace.rewind(),
    deadlineAtMs: outbox.deadlineAtMs,
    logger: input.logger,
    clock: input.clock,
    ...(input.signal === undefined ? {} : { signal: input.signal }),
  });
}
