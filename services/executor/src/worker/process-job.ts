import { randomBytes } from 'node:crypto';

import type { QueuedJob } from '@taskfleet/job-queue';
import {
  SpanKind,
  contextFromTraceparent,
  inSpan,
  noopTracer,
  spanNames,
  traceAttributes,
} from '@taskfleet/telemetry';
import type { Tracer } from '@taskfleet/telemetry';
import type { Logger } from 'pino';

import { acquireSlot } from './acquire-slot';
import type { HeldSlot } from './acquire-slot';
import { anySignal } from './any-signal';
import { deliverOutboxOf } from './deliver-final-state';
import { answerFault } from './delivery-fault';
import { DeliveryProgress } from './delivery-progress';
import { decodeOrHandBack } from './hand-back';
import { JobLease } from './job-lease';
import type { TakeResult } from './job-record';
import { JobRun } from './job-run';
import type { ExecutorSettings, JobProcessorOptions, ProcessResult } from './processor-options';
import { QueuedWatch, askStillWanted } from './queued-watch';
import { bareTarget, targetOf } from './report-target';
import type { ReportTarget } from './report-target';
import type { TakenDelivery } from './taken-delivery';

const defaultJobLeaseMs = 30_000;

const defaultQueuedCheckIntervalMs = 30_000;

/**
 * Runs one queued job from claim to final state: decrypt, take the job's durable record under a
 * lease, claim a slot (waiting up to `instanceAcquireTimeoutMs`), mark it started, run it, store
 * the final state in the outbox, release the slot and deliver. A job left by a dead executor is
 * finished by the stage it reached: not started → run, started → system failure, finished →
 * its outbox delivered.
 */
export class JobProcessor {
  private readonly leaseMs: number;
  private readonly tracer: Tracer;

  constructor(private options: JobProcessorOptions) {
    this.leaseMs = options.jobLeaseMs ?? defaultJobLeaseMs;
    this.tracer = options.tracer ?? noopTracer;
  }

  /** Takes new settings (a config reload) for the jobs delivered from now on. */
  reconfigure(settings: ExecutorSettings): void {
    this.options = { ...this.options, ...settings };
  }

  /**
   * Processes one delivery in a span that continues the poller's trace from the entry's
   * `traceparent`; throws `payload_unreadable` (or `payload_without_job`) when neither the
   * payload nor its envelope can be read, and an unexpected error (see answerFault) for the
   * queue to retry unless `finalAttempt` (default true: the queue will not offer it again).
   */
  process(
    queued: QueuedJob,
    signal?: AbortSignal,
    attempt: { readonly finalAttempt: boolean } = { finalAttempt: true },
  ): Promise<ProcessResult> {
    const attributes = {
      [traceAttributes.gitlabJobId]: queued.gitlabJobId,
      [traceAttributes.runnerKey]: queued.runnerKey,
      ...(this.options.runnerId === undefined
        ? {}
        : { [traceAttributes.runnerId]: this.options.runnerId }),
    };
    return inSpan(
      this.tracer,
      spanNames.executorJob,
      { attributes, kind: SpanKind.CONSUMER, parent: contextFromTraceparent(queued.traceparent) },
      async span => {
        const result = await this.processDelivery(queued, signal, attempt.finalAttempt);
        span.setAttribute(traceAttributes.outcome, result);
        return result;
      },
    );
  }

  private async processDelivery(
    queued: QueuedJob,
    signal: AbortSignal | undefined,
    finalAttempt: boolean,
  ): Promise<ProcessResult> {
    const { options } = this;
    const jobId = queued.gitlabJobId;
    const logger = options.logger.child({ jobId });
    const decoded = await decodeOrHandBack(options, queued, logger);
    const target =
      decoded.kind === 'job' ? targetOf(decoded.job) : bareTarget(decoded.jobId, decoded.jobToken);
    const progress = new DeliveryProgress();
    let lease: JobLease | undefined;
    try {
      const owned = await inSpan(this.tracer, spanNames.executorClaim, {}, async span => {
        const taken = await this.takeOrWait(jobId, target, logger, signal);
        span.setAttribute(traceAttributes.jobStage, taken?.taken.stage ?? 'handed_over');
        return taken;
      });
      if (owned === undefined) {
        return 'handed_over';
      }
      lease = owned.lease;
      progress.taken = true;
      return await this.runTaken({
        queued,
        decoded,
        target,
        taken: owned.taken,
        lease,
        progress,
        logger,
        signal,
      });
    } catch (error) {
      return await answerFault(options, logger, { error, target, progress, lease, finalAttempt });
    } finally {
      await lease?.stop();
    }
  }

  /** A delivery that holds the job's record: acknowledge, resume, or run it from its claim. */
  private async runTaken(delivery: TakenDelivery): Promise<ProcessResult> {
    const { options } = this;
    const { queued, decoded, target, taken, lease, progress, logger, signal } = delivery;
    const jobId = queued.gitlabJobId;
    if (taken.stage === 'delivered') {
      logger.info('job already finished, redelivery acknowledged');
      return 'already_finished';
    }
    if (taken.stage !== 'claimed') {
      return await this.resume(taken, lease, logger, progress);
    }
    if (taken.previousOwner !== undefined) {
      logger.warn('job taken over before its script started; running it');
    }
    const run = new JobRun(options, logger, target, lease, progress);
    if (decoded.kind === 'unrunnable') {
      await options.registry.dropPending(String(jobId));
      logger.error({ problemCount: decoded.problems.length }, 'job payload cannot be run');
      const lines = decoded.problems.map(p => `  ${p}`).join('\n');
      return await run.failSystem(`the job payload cannot be run:\n${lines}\n`);
    }
    // A job canceled while it waited in the queue must not touch an instance (B22): one
    // keep-alive before the claim tells whether GitLab still wants it, and more while it waits.
    if (options.clock.now() - queued.acceptedAtMs >= (options.queuedCheckAfterMs ?? 0)) {
      const verdict = await askStillWanted(options.client, target);
      if (verdict.kind === 'canceled') {
        await options.registry.dropPending(String(jobId));
        logger.warn(
          { jobStatus: verdict.jobStatus, reason: verdict.reason, waiting: false },
          'queued job removed: gitlab ended it',
        );
        return await run.canceledBeforeSlot(verdict.aborted);
      }
    }
    const watch = new QueuedWatch({
      client: options.client,
      target,
      clock: options.clock,
      intervalMs: options.queuedCheckIntervalMs ?? defaultQueuedCheckIntervalMs,
      logger,
    });
    watch.start();
    let held: HeldSlot | undefined;
    try {
      held = await inSpan(this.tracer, spanNames.executorSlotWait, {}, async span => {
        const slot = await acquireSlot({
          registry: options.registry,
          jobId: String(jobId),
          clock: options.clock,
          timeoutMs: options.instanceAcquireTimeoutMs,
          pollIntervalMs:
            options.slotPollIntervalMs ?? (options.slotGrants === undefined ? 1000 : 5000),
          ...(options.slotGrants === undefined ? {} : { grants: options.slotGrants }),
          logger,
          signal: anySignal(signal, watch.canceled),
        });
        if (slot === undefined) {
          span.setAttribute(traceAttributes.outcome, 'no_slot');
        } else {
          span.setAttributes({
            [traceAttributes.instanceId]: slot.instanceId,
            [traceAttributes.slot]: slot.slot,
            [traceAttributes.outcome]: 'claimed',
          });
        }
        return slot;
      });
    } finally {
      await watch.stop();
    }
    const canceled = watch.verdict;
    if (canceled !== undefined) {
      // A slot claimed in the same instant is given back unused: no SSH, no script.
      await options.registry.releaseSlot(String(jobId));
      await options.registry.dropPending(String(jobId));
      logger.warn(
        { jobStatus: canceled.jobStatus, reason: canceled.reason, waiting: true },
        'queued job removed: gitlab ended it',
      );
      return await run.canceledBeforeSlot(canceled.aborted);
    }
    if (held === undefined) {
      // A slot granted as the wait ended with an unreachable Redis is still freed here.
      await options.registry.releaseSlot(String(jobId));
      await options.registry.dropPending(String(jobId));
      logger.error(
        { instanceAcquireTimeoutMs: options.instanceAcquireTimeoutMs },
        'no instance slot within the acquire timeout',
      );
      if (signal?.aborted === true) {
        return await run.failSystem(
          'the job was canceled on the executor before it got an instance',
        );
      }
      const seconds = Math.round(options.instanceAcquireTimeoutMs / 1000);
      return await run.failSystem(`no instance became available within ${seconds}s`);
    }
    return await run.onSlot(held, decoded.job);
  }

  /**
   * Takes over a job from its durable record alone (no queue entry needed): a started job is
   * failed as a system failure, a finished one has its outbox delivered. A job not yet started
   * is left to its queue entry; `queueHasJob` says whether one is still live.
   */
  recover(jobId: number, queueHasJob: () => Promise<boolean>): Promise<ProcessResult | undefined> {
    const attributes = {
      [traceAttributes.gitlabJobId]: jobId,
      ...(this.options.runnerId === undefined
        ? {}
        : { [traceAttributes.runnerId]: this.options.runnerId }),
    };
    // A root span: the durable record keeps no traceparent, so the job's own trace is not
    // continued; the job id attribute joins the two.
    return inSpan(this.tracer, spanNames.executorRecover, { attributes }, async span => {
      const result = await this.recoverRecord(jobId, queueHasJob);
      span.setAttribute(traceAttributes.outcome, result ?? 'left_to_queue');
      return result;
    });
  }

  private async recoverRecord(
    jobId: number,
    queueHasJob: () => Promise<boolean>,
  ): Promise<ProcessResult | undefined> {
    const logger = this.options.logger.child({ jobId });
    const owner = this.ownerId();
    const taken = await this.options.records.take(
      jobId,
      owner,
      this.options.clock.now(),
      this.leaseMs,
      undefined,
    );
    if (!taken.taken) {
      return undefined;
    }
    const lease = this.startLease(jobId, owner, logger);
    const progress = new DeliveryProgress();
    progress.taken = true;
    try {
      if (taken.stage === 'claimed') {
        if (await queueHasJob()) {
          // Its queue entry will be redelivered and run; do not hold it up.
          await lease.release();
          return undefined;
        }
        logger.error('job lost its queue entry before its script started');
        const detail = 'the job was lost before it started';
        return await this.failStored(taken, lease, logger, detail, progress);
      }
      return await this.resume(taken, lease, logger, progress);
    } catch (error) {
      if (taken.target === undefined) {
        throw error;
      }
      // As a queue delivery's: a decided state reaches GitLab now, the lease is given up at once
      // (not left to run out), and the sweep's next round finishes from the record.
      const fault = { error, target: taken.target, progress, lease, finalAttempt: false };
      return await answerFault(this.options, logger, fault);
    } finally {
      await lease.stop();
    }
  }

  /** A job that an executor which stopped had started or finished. */
  private async resume(
    taken: Extract<TakeResult, { taken: true }>,
    lease: JobLease,
    logger: Logger,
    progress = new DeliveryProgress(),
  ): Promise<ProcessResult> {
    if (taken.stage === 'finished' && taken.outbox !== undefined && taken.target !== undefined) {
      logger.warn('final state left undelivered by an executor that stopped; delivering it');
      progress.outbox = taken.outbox;
      progress.stored = true;
      await this.options.registry.releaseSlot(String(taken.target.id));
      await deliverOutboxOf(this.options, logger, taken.target, taken.outbox, lease, progress);
      return 'delivered_outbox';
    }
    if (taken.stage === 'delivered') {
      return 'already_finished';
    }
    logger.error('job script was started by an executor that stopped; not running it again');
    progress.started = true;
    return this.failStored(
      taken,
      lease,
      logger,
      'the job was started before and its executor stopped; not re-running',
      progress,
    );
  }

  private async failStored(
    taken: Extract<TakeResult, { taken: true }>,
    lease: JobLease,
    logger: Logger,
    detail: string,
    progress = new DeliveryProgress(),
  ): Promise<ProcessResult> {
    if (taken.target === undefined) {
      // Records always carry their target; one without it cannot be reported at all.
      logger.error('job record has no report target; cannot fail it back');
      return 'system_failure';
    }
    await this.options.registry.dropPending(String(taken.target.id));
    return new JobRun(this.options, logger, taken.target, lease, progress).failSystem(detail);
  }

  /**
   * Takes the job's record; while another delivery holds a live lease, waits (holding this queue
   * entry, so the job is never dropped) until that one delivers or its lease runs out.
   */
  private async takeOrWait(
    jobId: number,
    target: ReportTarget,
    logger: Logger,
    signal: AbortSignal | undefined,
  ): Promise<{ taken: Extract<TakeResult, { taken: true }>; lease: JobLease } | undefined> {
    const { options } = this;
    const owner = this.ownerId();
    let waiting = false;
    for (;;) {
      const taken = await options.records.take(
        jobId,
        owner,
        options.clock.now(),
        this.leaseMs,
        target,
      );
      if (taken.taken) {
        return { taken, lease: this.startLease(jobId, owner, logger) };
      }
      if (!waiting) {
        logger.info({ stage: taken.stage }, 'job held by another executor; waiting on it');
        waiting = true;
      }
      const stop = options.stopping;
      await options.clock.sleep(Math.max(1, Math.floor(this.leaseMs / 2)), stop);
      if (stop?.aborted === true || signal?.aborted === true) {
        return undefined;
      }
    }
  }

  private startLease(jobId: number, owner: string, logger: Logger): JobLease {
    const lease = new JobLease(
      this.options.records,
      jobId,
      owner,
      this.leaseMs,
      this.options.clock,
      logger,
    );
    lease.start();
    return lease;
  }

  private ownerId(): string {
    return `${this.options.executorId}:${randomBytes(4).toString('hex')}`;
  }
}
