import { TraceWriter, effectiveFailureReason } from '@taskfleet/gitlab';
import type { JobPayload } from '@taskfleet/gitlab';
import type { ReleaseResult } from '@taskfleet/registry';
import { inSpan, noopTracer, spanNames, traceAttributes } from '@taskfleet/telemetry';
import type { Logger } from 'pino';

import { diskUsePercent } from '../job/disk-check';
import type { JobOutcome } from '../job/failure-mapping';
import { jobFailedLine, jobHeader } from '../job/job-header';
import { runJob } from '../job/run-job';
import type { HeldSlot } from './acquire-slot';
import { anySignal } from './any-signal';
import type { ConnectionLease, PoolConnection } from './connection-pool';
import { deliverOutboxOf } from './deliver-final-state';
import type { DeliveryProgress } from './delivery-progress';
import { errorName } from './error-name';
import type { JobLease } from './job-lease';
import { outboxWholeLogMaxBytes } from './job-record';
import type { OutboxEntry } from './job-record';
import { patchEvents } from './patch-events';
import type { JobProcessorOptions, ProcessResult } from './processor-options';
import type { ReportTarget } from './report-target';
import { finalDeadlineAtMs, systemFailureOutbox } from './system-failure-outbox';

const defaultDiskPressurePercent = 85;

/** One delivery's run of a job it holds the lease of: from slot to a durable final state. */
export class JobRun {
  constructor(
    private readonly options: JobProcessorOptions,
    private readonly logger: Logger,
    private readonly target: ReportTarget,
    private readonly lease: JobLease,
    private readonly progress: DeliveryProgress,
  ) {}

  /**
   * Fails the job back to GitLab as a system failure with `detail` as its last log line; the
   * lines are appended to whatever log an earlier run of the job left in GitLab.
   */
  async failSystem(detail: string): Promise<ProcessResult> {
    const stored = await this.store(systemFailureOutbox(this.options, this.target, detail));
    await this.giveBackEarlierSlot();
    if (!stored) {
      return 'lease_lost';
    }
    await this.deliver(stored);
    return 'system_failure';
  }

  /**
   * Ends a job that GitLab canceled before it got an instance (B22): after a graceful cancel it
   * is reported canceled (failed with job_canceled, mapped), after an abort nothing is sent.
   */
  async canceledBeforeSlot(aborted: boolean): Promise<ProcessResult> {
    const { options, logger, target } = this;
    await this.giveBackEarlierSlot();
    if (aborted) {
      this.progress.told = true;
      await options.records.markDelivered(target.id, options.clock.now());
      logger.warn('job abandoned: gitlab ended it');
      return 'canceled';
    }
    const text = jobHeader(options.runnerDescription) + jobFailedLine({ detail: 'canceled' });
    const stored = await this.store({
      state: 'failed',
      failureReason: effectiveFailureReason('job_canceled', target.failureReasons),
      logFromOffset: null,
      log: Buffer.from(text),
      deadlineAtMs: this.deadlineAtMs(),
    });
    if (!stored) {
      return 'lease_lost';
    }
    await this.deliver(stored);
    return 'canceled';
  }

  /**
   * Frees what an earlier delivery of this job may have left: a waiting place, or a slot granted
   * to it after its executor died (the waiting list grants to jobs not asking at that moment).
   * The job ends here without a script, so either would otherwise stay claimed for good.
   */
  private async giveBackEarlierSlot(): Promise<void> {
    const jobId = String(this.target.id);
    await this.options.registry.leaveWaiting(jobId);
    await this.options.registry.releaseSlot(jobId);
  }

  /** Connects to the slot's instance, marks the job started (fenced) and runs it there. */
  async onSlot(held: HeldSlot, payload: JobPayload): Promise<ProcessResult> {
    const { options, logger } = this;
    const log = logger.child({ instanceId: held.instanceId, slot: held.slot });
    log.info({ existing: held.existing }, 'slot claimed');
    const tracer = options.tracer ?? noopTracer;
    let lease: ConnectionLease;
    try {
      const attributes = { [traceAttributes.instanceId]: held.instanceId };
      lease = await inSpan(tracer, spanNames.executorSshConnect, { attributes }, async span => {
        const acquired = await options.connections.acquire(held.instanceId);
        span.setAttribute(traceAttributes.outcome, acquired.reused ? 'reused' : 'dialled');
        return acquired;
      });
    } catch (error) {
      log.error({ err: errorName(error) }, 'could not connect to instance');
      await this.reportLostInstance(held.instanceId, 'could not connect under a job');
      return this.failSystem(`could not connect to instance ${held.instanceId}`);
    }
    const connection = lease.connection;
    const trace = this.traceWriter();
    let outcome: JobOutcome;
    try {
      options.hooks?.beforeStarted?.(payload.id);
      if (!(await options.records.markStarted(payload.id, this.lease.owner, options.clock.now()))) {
        // Only a run that lost its lease gets here: the new owner reports the job.
        log.error('job lease lost before the script started; not running it');
        await trace.seal();
        return 'lease_lost';
      }
      this.progress.started = true;
      options.hooks?.afterStarted?.(payload.id);
      outcome = await runJob({
        payload,
        connection,
        trace: {
          write: chunk => trace.write(chunk),
          waitForDrain: () => trace.waitForDrain(),
        },
        buildsDir: options.buildsDir,
        slot: held.slot,
        tracer,
        clock: options.clock,
        signal: anySignal(trace.abortSignal, this.lease.lost),
        cancelSignal: trace.cancelSignal,
        ...(options.shutdownAbort === undefined ? {} : { shutdownSignal: options.shutdownAbort }),
        ...(options.stopGraceMs === undefined ? {} : { stopGraceMs: options.stopGraceMs }),
        ...(options.shell === undefined ? {} : { shell: options.shell }),
        ...(options.runnerVariables === undefined
          ? {}
          : { runnerVariables: options.runnerVariables }),
        ...(options.runnerScripts === undefined ? {} : { runnerScripts: options.runnerScripts }),
        ...(options.runnerDescription === undefined
          ? {}
          : { runnerDescription: options.runnerDescription }),
        transfers: {
          artifacts: options.client,
          ...(options.cache === undefined ? {} : { cache: options.cache }),
        },
      });
      if (outcome.systemFailure !== true) {
        await this.checkDisk(connection, held.instanceId, log);
      }
    } catch (error) {
      // No outcome: the writer stops sending (its timers end) before the error is answered.
      await trace.seal();
      throw error;
    } finally {
      // The connection stays pooled for the next job; the job's own channels are closed.
      lease.release();
    }
    if (outcome.systemFailure === true) {
      if (connection.isClosed) {
        // The shared connection died: every job on it fails, and the instance is lost.
        log.warn({ detail: outcome.detail }, 'instance failed under a running job');
        options.connections.drop(held.instanceId, 'lost under a running job');
        await this.reportLostInstance(held.instanceId, 'lost under a running job');
      } else {
        // Only this job's channel failed; the connection and the other jobs on it live on.
        log.warn({ detail: outcome.detail }, 'job channel failed on a live connection');
      }
    }
    return this.finish(outcome, trace);
  }

  /** Stores the final state and the unsent log durably, frees the slot, then delivers it. */
  private async finish(outcome: JobOutcome, trace: TraceWriter): Promise<ProcessResult> {
    const { options, logger, target } = this;
    const { summary, pending, held } = await trace.seal(outboxWholeLogMaxBytes);
    const stopped = summary.stopped;
    if (stopped !== undefined || (outcome.outcome === 'canceled' && outcome.aborted === true)) {
      // GitLab ended the job itself (canceled, failed, or the token no longer valid): its
      // processes are killed and its slot freed; nothing more is sent, nothing retried (B17).
      // The slot is freed before the record is marked delivered: a delivered record is never
      // swept again, so a release that fails (or a kill) between the two would leak the slot.
      this.progress.told = true;
      await options.registry.releaseSlot(String(target.id));
      await options.records.markDelivered(target.id, options.clock.now());
      logger.warn(
        { status: stopped?.status, reason: stopped?.reason, jobStatus: stopped?.jobStatus },
        'job abandoned: gitlab ended it',
      );
      return 'canceled';
    }
    const stored = await this.store({
      ...(outcome.outcome === 'success'
        ? { state: 'success' as const }
        : {
            state: 'failed' as const,
            // A graceful cancel ends as GitLab Runner ends it: failed with job_canceled (mapped
            // per the server's list), which GitLab turns from canceling into canceled.
            failureReason:
              outcome.outcome === 'canceled'
                ? effectiveFailureReason('job_canceled', target.failureReasons)
                : (outcome.failureReason ?? 'runner_system_failure'),
            ...(outcome.exitCode === undefined ? {} : { exitCode: outcome.exitCode }),
          }),
      checksum: summary.checksum,
      bytesize: summary.bytesize,
      // A small log whole, so a 412 can be answered by re-sending it all; else the unsent tail.
      ...(held === undefined
        ? { logFromOffset: summary.sentBytes, log: pending }
        : { logFromOffset: held.fromOffset, log: held.bytes, logSentBytes: summary.sentBytes }),
      deadlineAtMs: this.deadlineAtMs(),
    });
    // The instance is done with the job: its slot is freed before the (possibly long) delivery.
    const released = await options.registry.releaseSlot(String(target.id));
    this.retireConnectionsIfLeaving(released);
    if (!stored) {
      return 'lease_lost';
    }
    options.hooks?.afterFinished?.(target.id);
    await this.deliver(stored);
    logger.info({ outcome: outcome.outcome, failureReason: outcome.failureReason }, 'job finished');
    if (outcome.outcome === 'success') {
      return 'success';
    }
    if (outcome.outcome === 'canceled') {
      return 'canceled';
    }
    return outcome.systemFailure === true ? 'system_failure' : 'failed';
  }

  /**
   * An instance that left service with this job's end (retired by max_use_count or disk
   * pressure, draining, unhealthy) takes no further job: its pooled connections close once idle.
   */
  private retireConnectionsIfLeaving(released: ReleaseResult | undefined): void {
    if (released?.released !== true) {
      return;
    }
    if (released.state !== undefined && released.state !== 'ready') {
      this.options.connections.retire(released.instanceId, released.state);
    }
  }

  /** Writes the outbox under the lease; undefined when the lease was lost (nothing written). */
  private async store(outbox: OutboxEntry): Promise<OutboxEntry | undefined> {
    const { options, logger } = this;
    // Known before it is written: a record that cannot be written still leaves it to send.
    this.progress.outbox = outbox;
    if (
      await options.records.markFinished(
        this.target.id,
        this.lease.owner,
        options.clock.now(),
        outbox,
      )
    ) {
      this.progress.stored = true;
      return outbox;
    }
    // Another owner reports the job; this delivery has nothing of its own to tell GitLab.
    this.progress.outbox = undefined;
    logger.error('job lease lost before the final state was stored; the new owner reports it');
    return undefined;
  }

  /** Sends a stored outbox; see deliverOutboxOf. */
  private deliver(outbox: OutboxEntry): Promise<void> {
    return deliverOutboxOf(
      this.options,
      this.logger,
      this.target,
      outbox,
      this.lease,
      this.progress,
    );
  }

  private deadlineAtMs(): number {
    return finalDeadlineAtMs(this.options);
  }

  private traceWriter(): TraceWriter {
    const { options, logger, target } = this;
    const trace = new TraceWriter({
      client: patchEvents(options.client),
      jobId: target.id,
      jobToken: target.token,
      logger,
      clock: options.clock,
      maskedValues: target.maskedValues,
      tokenMaskPrefixes: target.tokenMaskPrefixes,
      debugTrace: target.debugTrace === true,
      ...(options.outputLimitBytes === undefined
        ? {}
        : { outputLimitBytes: options.outputLimitBytes }),
      ...(options.traceUpdateIntervalMs === undefined
        ? {}
        : { updateIntervalMs: options.traceUpdateIntervalMs }),
      ...(options.traceForceSendIntervalMs === undefined
        ? {}
        : { forceSendIntervalMs: options.traceForceSendIntervalMs }),
    });
    trace.start();
    return trace;
  }

  /**
   * B19: an instance whose disk is nearly full after a job is retired before it takes another
   * one (jobs would fail with ENOSPC); a check that cannot run changes nothing.
   */
  private async checkDisk(
    connection: PoolConnection,
    instanceId: string,
    log: Logger,
  ): Promise<void> {
    const thresholdPercent = this.options.diskPressurePercent ?? defaultDiskPressurePercent;
    if (thresholdPercent <= 0) {
      return;
    }
    try {
      const usePercent = await diskUsePercent(connection);
      if (usePercent === undefined || usePercent < thresholdPercent) {
        return;
      }
      const retired = await this.options.registry.retireInstance(instanceId, 'disk_pressure');
      log.warn(
        { usePercent, thresholdPercent, retired, reason: 'disk_pressure' },
        'instance disk nearly full; retiring it',
      );
    } catch (error) {
      log.warn({ err: errorName(error) }, 'could not check instance disk use');
    }
  }

  private async reportLostInstance(instanceId: string, reason: string): Promise<void> {
    try {
      await this.options.reportLostInstance?.(instanceId, String(this.target.id), reason);
    } catch (error) {
      // The scaler's heartbeat finds the instance too; this report only makes it sooner.
      this.logger.warn({ instanceId, err: errorName(error) }, 'could not report lost instance');
    }
  }
}
