import { dial } from '@taskfleet/fleeting';
import type { ConnectInfo, SshConnection } from '@taskfleet/fleeting';
import { TraceWriter, effectiveFailureReason, sendFinalUpdate } from '@taskfleet/gitlab';
import type { JobPayload } from '@taskfleet/gitlab';
import type { Logger } from 'pino';

import type { JobOutcome } from '../job/failure-mapping';
import { jobFailedLine, jobHeader } from '../job/job-header';
import { runJob } from '../job/run-job';
import type { HeldSlot } from './acquire-slot';
import type { JobProcessorOptions, ProcessResult } from './processor-options';

const hourMs = 3600_000;

/** One delivery's run: its trace writer and the steps from slot to final state. */
export class JobRun {
  private readonly trace: TraceWriter;

  constructor(
    private readonly options: JobProcessorOptions,
    private readonly logger: Logger,
    private readonly target: ReportTarget,
  ) {
    this.trace = new TraceWriter({
      client: options.client,
      jobId: target.id,
      jobToken: target.token,
      logger,
      clock: options.clock,
      maskedValues: target.maskedValues,
      tokenMaskPrefixes: target.tokenMaskPrefixes,
      ...(options.outputLimitBytes === undefined
        ? {}
        : { outputLimitBytes: options.outputLimitBytes }),
      ...(options.traceUpdateIntervalMs === undefined
        ? {}
        : { updateIntervalMs: options.traceUpdateIntervalMs }),
    });
    this.trace.start();
  }

  /** Fails the job back to GitLab as a system failure with `detail` as its last log line. */
  async failSystem(
    detail: string,
    options: { readonly keepSlot?: boolean } = {},
  ): Promise<ProcessResult> {
    this.trace.write(jobHeader(this.options.runnerDescription));
    this.trace.write(jobFailedLine({ detail, systemFailure: true }));
    if (options.keepSlot !== true) {
      await this.options.registry.releaseSlot(String(this.target.id));
    }
    return this.report({
      outcome: 'failed',
      failureReason: effectiveFailureReason('runner_system_failure', this.target.failureReasons),
      detail,
      systemFailure: true,
    });
  }

  /** Connects to the slot's instance, marks the job started and runs it there. */
  async onSlot(held: HeldSlot, payload: JobPayload): Promise<ProcessResult> {
    const { options, logger } = this;
    const log = logger.child({ instanceId: held.instanceId, slot: held.slot });
    log.info({ existing: held.existing }, 'slot claimed');
    let connection: SshConnection;
    try {
      const info = await options.instances.connectInfo(held.instanceId);
      const timeoutMs = options.dialTimeoutMs ?? 30_000;
      // TODO(#4): pool connections per instance; each job dials its own session for now.
      connection = await (options.connect ?? defaultConnect)(info, timeoutMs);
    } catch (error) {
      log.error({ err: errorName(error) }, 'could not connect to instance');
      return this.failSystem(`could not connect to instance ${held.instanceId}`);
    }
    let outcome: JobOutcome;
    try {
      if (!(await options.progress.markStarted(payload.id))) {
        log.error('job script was started by another run; not running it again');
        // The other run holds the same claim and is still using the slot: leave it to release it.
        // TODO(#5): if that run is dead too, the claim stays until the instance is cleared.
        return await this.failSystem('the job was started by another executor; not re-running', {
          keepSlot: true,
        });
      }
      const signal = this.trace.abortSignal;
      outcome = await runJob({
        payload,
        connection,
        trace: {
          write: chunk => this.trace.write(chunk),
          waitForDrain: () => this.trace.waitForDrain(),
        },
        buildsDir: options.buildsDir,
        slot: held.slot,
        clock: options.clock,
        signal,
        ...(options.shell === undefined ? {} : { shell: options.shell }),
        ...(options.runnerVariables === undefined
          ? {}
          : { runnerVariables: options.runnerVariables }),
        ...(options.runnerDescription === undefined
          ? {}
          : { runnerDescription: options.runnerDescription }),
      });
    } finally {
      await connection.close();
    }
    if (outcome.systemFailure === true) {
      // TODO(#3): tell the scaler the instance failed under a job; markUnhealthy needs its fencing token.
      log.warn({ detail: outcome.detail }, 'instance failed under a running job');
    }
    // The instance is done with the job: its slot is freed before the (possibly long) final update.
    await options.registry.releaseSlot(String(payload.id));
    return this.report(outcome);
  }

  /** Sends the rest of the log and the final state, then records the job as finished. */
  private async report(outcome: JobOutcome): Promise<ProcessResult> {
    const { options, logger, target } = this;
    const summary = await this.trace.finish(60_000);
    if (outcome.outcome === 'canceled' || summary.stopped !== undefined) {
      // GitLab ended the job itself (canceled, or the token no longer valid): nothing to report.
      // TODO(#5): a graceful cancel runs after_script and reports canceled.
      await options.progress.markFinished(target.id);
      logger.info({ stopped: summary.stopped?.reason }, 'job ended by gitlab');
      return 'canceled';
    }
    const delivered = await sendFinalUpdate({
      client: options.client,
      jobId: target.id,
      jobToken: target.token,
      update:
        outcome.outcome === 'success'
          ? { state: 'success' }
          : {
              state: 'failed',
              failureReason: outcome.failureReason ?? 'runner_system_failure',
              ...(outcome.exitCode === undefined ? {} : { exitCode: outcome.exitCode }),
            },
      output: () => this.trace.summary(),
      drainTrace: () => this.trace.drain(),
      deadlineAtMs: options.clock.now() + (options.finalUpdateDeadlineMs ?? hourMs),
      logger,
      clock: options.clock,
    });
    // TODO(#5): an undelivered final state (deadline passed) is logged by sendFinalUpdate only;
    // it should stay durable for another executor to re-send.
    await options.progress.markFinished(target.id);
    logger.info(
      { outcome: outcome.outcome, failureReason: outcome.failureReason, delivery: delivered.kind },
      'job finished',
    );
    if (outcome.outcome === 'success') {
      return 'success';
    }
    return outcome.systemFailure === true ? 'system_failure' : 'failed';
  }
}

/** Which GitLab job a run reports to, and what its log must mask. */
export interface ReportTarget {
  readonly id: number;
  readonly token: string;
  readonly maskedValues: readonly string[];
  readonly tokenMaskPrefixes: readonly string[];
  readonly failureReasons: readonly string[] | undefined;
}

/** The report target of a runnable job: its id, token and what its log must mask. */
export function targetOf(job: JobPayload): ReportTarget {
  return {
    id: job.id,
    token: job.token,
    maskedValues: job.variables.filter(v => v.masked).map(v => v.value),
    tokenMaskPrefixes: job.features.token_mask_prefixes,
    failureReasons: job.features.failure_reasons,
  };
}

function defaultConnect(info: ConnectInfo, timeoutMs: number): Promise<SshConnection> {
  return dial(info, { connectTimeoutMs: timeoutMs });
}

/** The error's name and code, for logs: never its message, which may quote input or secrets. */
export function errorName(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${error.name}:${code}` : error.name;
  }
  return typeof error;
}
