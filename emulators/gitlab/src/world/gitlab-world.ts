import type { Logger } from 'pino';

import type { Clock, TimerHandle } from '../clock';
import { GitlabEmulatorError } from '../errors';
import type { CiJobStatus, CiJobView, CiPipelinePort, JobOutcome } from '../pipeline-port';
import { newJobRuntime, type JobRuntime } from '../state/job-runtime';
import { RunnerRegistry, type RunnerManager, type RunnerRecord } from '../state/runner-registry';
import { newJobToken } from '../state/tokens';
import { orderCandidates, runnerCanRun, type Candidate } from './scheduling';
import type { WorldConfig } from './world-config';

/** How an admin cancels a job: `graceful` lets the runner run after_script (`canceling`). */
export type CancelMode = 'graceful' | 'forced';

const finishedStatuses: ReadonlySet<CiJobStatus> = new Set([
  'success',
  'failed',
  'canceled',
  'skipped',
]);

/** The emulated GitLab's state: runners, pipelines and the runner-side life of every job. */
export class GitlabWorld {
  readonly runners = new RunnerRegistry();
  private readonly pipelines = new Map<number, CiPipelinePort>();
  private readonly runtimes = new Map<number, JobRuntime>();
  /** Jobs pending and not waiting for an ack: what `/jobs/request` can hand out. */
  private readonly available = new Set<number>();
  /**
   * Every job's CI view as of the last reconcile. Each change goes through a method here that
   * reconciles right after it, so reads stay cheap without re-deriving pipelines per lookup.
   */
  private readonly jobIndex = new Map<number, CiJobView>();
  /** Wakes the world when the earliest delayed (`scheduled`) job is due. */
  private delayedWake: { readonly dueMs: number; readonly timer: TimerHandle } | undefined;

  constructor(
    readonly config: WorldConfig,
    readonly clock: Clock,
    readonly logger: Logger,
  ) {}

  /** Adds a pipeline created by the CI module and schedules its pending jobs. */
  addPipeline(pipeline: CiPipelinePort): void {
    this.pipelines.set(pipeline.id, pipeline);
    this.reconcile();
  }

  pipeline(id: number): CiPipelinePort {
    const pipeline = this.pipelines.get(id);
    if (pipeline === undefined) {
      throw new GitlabEmulatorError('not_found', 'could not find pipeline');
    }
    return pipeline;
  }

  allPipelines(): CiPipelinePort[] {
    return [...this.pipelines.values()];
  }

  /** The runtime record of a job, or undefined for an unknown id. */
  runtime(jobId: number): JobRuntime | undefined {
    return this.runtimes.get(jobId);
  }

  /** The job a CI job token belongs to. */
  runtimeByToken(token: string): JobRuntime | undefined {
    for (const runtime of this.runtimes.values()) {
      if (runtime.token === token) {
        return runtime;
      }
    }
    return undefined;
  }

  requireRuntime(jobId: number): JobRuntime {
    const runtime = this.runtimes.get(jobId);
    if (runtime === undefined) {
      throw new GitlabEmulatorError('not_found', 'could not find job');
    }
    return runtime;
  }

  ciJob(jobId: number): CiJobView | undefined {
    return this.jobIndex.get(jobId);
  }

  /** The status GitLab would report in `Job-Status`, including `canceling`. */
  status(jobId: number): CiJobStatus {
    const runtime = this.requireRuntime(jobId);
    const status = this.ciJob(jobId)?.status ?? 'canceled';
    return runtime.canceling && status === 'running' ? 'canceling' : status;
  }

  /** Whether the job reached a final status (success, failed, canceled, skipped). */
  isFinished(jobId: number): boolean {
    return finishedStatuses.has(this.status(jobId));
  }

  /** Whether the job counts as being processed by a runner (its token authenticates). */
  isProcessing(runtime: JobRuntime): boolean {
    if (runtime.tokenExpired) {
      return false;
    }
    const status = this.status(runtime.jobId);
    return (
      (runtime.ack === 'waiting' && status === 'pending') ||
      status === 'running' ||
      status === 'canceling'
    );
  }

  /**
   * Syncs the runner-side view with the pipelines after any change: new jobs get a token, newly
   * pending jobs become available and change the queue value of every runner that may take them.
   */
  reconcile(): void {
    const nowAvailable = new Set<number>();
    let earliestDelayedMs: number | undefined;
    for (const pipeline of this.pipelines.values()) {
      for (const job of pipeline.jobs()) {
        this.jobIndex.set(job.id, job);
        if (job.status === 'pending' && this.runtimes.get(job.id)?.ack !== 'waiting') {
          nowAvailable.add(job.id);
        }
        if (job.status === 'scheduled' && job.scheduledAt !== undefined) {
          earliestDelayedMs = Math.min(earliestDelayedMs ?? Infinity, job.scheduledAt.getTime());
        }
        if (!this.runtimes.has(job.id)) {
          this.runtimes.set(
            job.id,
            newJobRuntime(job.id, pipeline.id, pipeline.projectId, newJobToken()),
          );
        }
      }
    }
    for (const jobId of nowAvailable) {
      if (!this.available.has(jobId)) {
        this.makeAvailable(jobId);
      }
    }
    for (const jobId of [...this.available]) {
      if (!nowAvailable.has(jobId)) {
        this.available.delete(jobId);
      }
    }
    this.scheduleDelayedWake(earliestDelayedMs);
  }

  private scheduleDelayedWake(dueMs: number | undefined): void {
    if (dueMs === this.delayedWake?.dueMs) {
      return;
    }
    this.delayedWake?.timer.cancel();
    this.delayedWake = undefined;
    if (dueMs === undefined) {
      return;
    }
    const timer = this.clock.setTimer(dueMs - this.clock.now(), () => {
      this.delayedWake = undefined;
      this.reconcile();
    });
    this.delayedWake = { dueMs, timer };
  }

  private makeAvailable(jobId: number): void {
    const runtime = this.requireRuntime(jobId);
    const job = this.ciJob(jobId);
    this.available.add(jobId);
    runtime.pendingSinceMs = this.clock.now();
    if (job === undefined) {
      return;
    }
    for (const runner of this.runners.all()) {
      if (runnerCanRun(runner, job, runtime.projectId)) {
        this.runners.bump(runner.id);
      }
    }
  }

  /** The jobs `runner` may take now, in the order GitLab would offer them. */
  candidatesFor(runner: RunnerRecord): Candidate[] {
    const candidates: Candidate[] = [];
    for (const jobId of this.available) {
      const job = this.ciJob(jobId);
      const runtime = this.requireRuntime(jobId);
      if (job !== undefined && runnerCanRun(runner, job, runtime.projectId)) {
        candidates.push({ job, projectId: runtime.projectId });
      }
    }
    return orderCandidates(runner, candidates, projectId =>
      this.runningOnInstanceRunners(projectId),
    );
  }

  /** Jobs of a project currently held by instance runners (fair-scheduling input). */
  runningOnInstanceRunners(projectId: number): number {
    let count = 0;
    for (const runtime of this.runtimes.values()) {
      if (
        runtime.projectId !== projectId ||
        runtime.runnerId === undefined ||
        runtime.ack === 'none'
      ) {
        continue;
      }
      const runner = this.runners.find(runtime.runnerId);
      if (runner?.runnerType === 'instance_type' && this.isProcessing(runtime)) {
        count++;
      }
    }
    return count;
  }

  /** Hands a job to a runner manager; two-phase runners must then ack it within the timeout. */
  assign(runner: RunnerRecord, manager: RunnerManager, jobId: number): JobRuntime {
    const runtime = this.requireRuntime(jobId);
    this.available.delete(jobId);
    runtime.runnerId = runner.id;
    runtime.systemId = manager.systemId;
    runtime.assignedAtMs = this.clock.now();
    runtime.handOutCount++;
    if (manager.features.two_phase_job_commit === true) {
      runtime.ack = 'waiting';
      runtime.ackTimer?.cancel();
      runtime.ackTimer = this.clock.setTimer(this.config.ackTimeoutMs, () => {
        this.ackTimedOut(jobId);
      });
    } else {
      // Legacy runners: GitLab moves the job to running with the 201 itself.
      this.acknowledge(jobId);
    }
    this.logger.info({ jobId, runnerId: runner.id, ack: runtime.ack }, 'job handed to runner');
    return runtime;
  }

  /** The runner accepted the job (`PUT state=running`): it is running now. */
  acknowledge(jobId: number): void {
    const runtime = this.requireRuntime(jobId);
    runtime.ackTimer?.cancel();
    runtime.ackTimer = undefined;
    runtime.ack = 'acked';
    runtime.startedAtMs = this.clock.now();
    this.pipelineOf(runtime).markRunning(jobId);
    this.reconcile();
  }

  private ackTimedOut(jobId: number): void {
    const runtime = this.requireRuntime(jobId);
    if (runtime.ack !== 'waiting') {
      return;
    }
    runtime.ack = 'none';
    runtime.ackTimer = undefined;
    runtime.runnerId = undefined;
    runtime.systemId = undefined;
    this.logger.warn({ jobId }, 'runner ack timed out, job requeued');
    this.reconcile();
  }

  /** Applies a runner's final state; a `canceling` job becomes `canceled` whatever it reports. */
  finish(jobId: number, outcome: JobOutcome): void {
    const runtime = this.requireRuntime(jobId);
    const pipeline = this.pipelineOf(runtime);
    if (runtime.ack === 'waiting') {
      // A runner may fail a job it could not start without acking it first (reference §3.5).
      this.acknowledge(jobId);
    }
    runtime.finishedAtMs = this.clock.now();
    runtime.failureReason = outcome.status === 'failed' ? outcome.failureReason : undefined;
    runtime.exitCode = outcome.exitCode;
    if (runtime.canceling) {
      runtime.canceling = false;
      pipeline.cancelJob(jobId);
    } else {
      pipeline.finishJob(jobId, outcome);
    }
    this.reconcile();
    this.logger.info({ jobId, status: this.status(jobId) }, 'job finished');
  }

  /** Cancels a job as an admin would; graceful only where the runner supports it. */
  cancel(jobId: number, mode: CancelMode): CiJobStatus {
    const runtime = this.requireRuntime(jobId);
    const status = this.status(jobId);
    if (finishedStatuses.has(status)) {
      throw new GitlabEmulatorError('conflict', 'could not cancel job: already finished');
    }
    if (mode === 'graceful' && status === 'running' && this.supportsGracefulCancel(runtime)) {
      runtime.canceling = true;
    } else {
      runtime.ackTimer?.cancel();
      runtime.ackTimer = undefined;
      runtime.canceling = false;
      runtime.finishedAtMs = this.clock.now();
      this.pipelineOf(runtime).cancelJob(jobId);
      this.reconcile();
    }
    this.logger.info({ jobId, mode, status: this.status(jobId) }, 'job cancel requested');
    return this.status(jobId);
  }

  /** Fails a job on the server's own account (expired token, oversized trace). */
  drop(jobId: number, failureReason: string): void {
    const runtime = this.requireRuntime(jobId);
    runtime.canceling = false;
    this.finish(jobId, { status: 'failed', failureReason });
    runtime.exitCode = undefined;
  }

  private supportsGracefulCancel(runtime: JobRuntime): boolean {
    if (runtime.runnerId === undefined || runtime.systemId === undefined) {
      return false;
    }
    const runner = this.runners.find(runtime.runnerId);
    const manager = runner?.managers.get(runtime.systemId);
    return manager?.features.cancel_gracefully === true;
  }

  pipelineOf(runtime: JobRuntime): CiPipelinePort {
    return this.pipeline(runtime.pipelineId);
  }

  /** Stops the world's timers (ack timeouts); called on close. */
  stop(): void {
    this.delayedWake?.timer.cancel();
    this.delayedWake = undefined;
    for (const runtime of this.runtimes.values()) {
      runtime.ackTimer?.cancel();
      runtime.ackTimer = undefined;
    }
    this.runners.wakeAll();
  }
}
