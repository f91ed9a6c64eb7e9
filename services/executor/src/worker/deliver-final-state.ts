import { inSpan, noopTracer, spanNames, traceAttributes } from '@taskfleet/telemetry';
import type { Logger } from 'pino';

import { anySignal } from './any-signal';
import { deliverOutbox } from './deliver-outbox';
import type { DeliveryProgress } from './delivery-progress';
import type { JobLease } from './job-lease';
import type { OutboxEntry } from './job-record';
import type { JobProcessorOptions } from './processor-options';
import type { ReportTarget } from './report-target';

/**
 * Delivers an outbox for the lease holder: marks the job delivered once GitLab has the state or
 * no longer has the job, or after the outbox deadline; on shutdown hands the job over.
 */
export async function deliverOutboxOf(
  options: JobProcessorOptions,
  logger: Logger,
  target: ReportTarget,
  outbox: OutboxEntry,
  lease: JobLease,
  progress?: DeliveryProgress,
): Promise<void> {
  const tracer = options.tracer ?? noopTracer;
  await inSpan(tracer, spanNames.executorFinalUpdate, {}, async span => {
    const kind = await deliverOutboxUnderLease(options, logger, target, outbox, lease, progress);
    span.setAttributes({
      [traceAttributes.outcome]: kind,
      ...(outbox.failureReason === undefined
        ? {}
        : { [traceAttributes.failureReason]: outbox.failureReason }),
      ...(outbox.exitCode === undefined ? {} : { [traceAttributes.exitCode]: outbox.exitCode }),
    });
  });
}

async function deliverOutboxUnderLease(
  options: JobProcessorOptions,
  logger: Logger,
  target: ReportTarget,
  outbox: OutboxEntry,
  lease: JobLease,
  progress: DeliveryProgress | undefined,
): Promise<string> {
  // Shutting down: one attempt (a healthy GitLab takes it), no waiting; else wait until stopped.
  const stoppingAlready = options.stopping?.aborted === true;
  const outcome = await deliverOutbox({
    client: options.client,
    target,
    outbox: stoppingAlready
      ? { ...outbox, deadlineAtMs: Math.min(outbox.deadlineAtMs, options.clock.now()) }
      : outbox,
    clock: options.clock,
    logger,
    signal: anySignal(lease.lost, stoppingAlready ? undefined : options.stopping),
  });
  const handOver =
    outcome.kind === 'canceled' ||
    (options.stopping?.aborted === true && outcome.kind === 'deadline-exceeded');
  if (handOver) {
    // Shutting down, or another executor took over: the outbox stays for the next owner.
    logger.info({ attempts: outcome.attempts }, 'final update handed over');
    await lease.release();
    return 'handed_over';
  }
  if (outcome.kind === 'deadline-exceeded' || outcome.kind === 'retries-exhausted') {
    logger.error(
      { attempts: outcome.attempts, kind: outcome.kind },
      'final update abandoned: gitlab did not take it before the outbox deadline',
    );
  }
  if (progress !== undefined) {
    // Whatever happens to the record now, GitLab is not to be told again by this process.
    progress.told = true;
  }
  await options.records.markDelivered(target.id, options.clock.now());
  return outcome.kind;
}
