import { shouldAutoRetry } from './auto-retry';
import { compositeStatus, hasWarnings } from './composite-status';
import { PipelineError } from './errors';
import { storedFailureReason } from './failure-reasons';
import {
  cancelableStatuses,
  completedStatuses,
  newRecord,
  viewOf,
  type JobRecord,
} from './job-record';
import { buildJobPayload, type PayloadSources } from './payload';
import type { JobPayload, PayloadRunner } from './payload-types';
import type { ResourceGroups } from './resource-groups';
import {
  enqueue,
  latestRecords,
  processPipeline,
  resetSkippedAfter,
  type ScheduleState,
} from './schedule';
import type { JobOutcome, JobSpec, JobView, PipelineStatus, RecordedArtifact } from './types';

/** How to cancel: `graceful` lets a running job finish its after_script (`canceling`). */
export interface CancelOptions {
  readonly graceful?: boolean;
}

/** What a pipeline is built from (see `createPipeline`). */
export interface PipelineParts {
  readonly id: number;
  readonly name?: string;
  readonly specs: readonly JobSpec[];
  readonly sources: Omit<PayloadSources, 'state'>;
  readonly nextJobId: () => number;
  readonly now: () => Date;
  readonly resourceGroups: ResourceGroups;
}

/** A created pipeline: its jobs move as GitLab schedules them, driven by runner outcomes. */
export class Pipeline {
  readonly id: number;
  readonly projectId: number;
  readonly ref: string;
  readonly sha: string;
  /** `workflow:name`, expanded, when the YAML sets one. */
  readonly name: string | undefined;
  private readonly state: ScheduleState;
  private readonly sources: PayloadSources;
  private readonly nextJobId: () => number;
  private readonly unsubscribe: () => void;

  constructor(parts: PipelineParts) {
    this.id = parts.id;
    this.projectId = parts.sources.facts.project.id;
    this.ref = parts.sources.facts.ref;
    this.sha = parts.sources.facts.sha;
    this.name = parts.name;
    this.nextJobId = parts.nextJobId;
    const createdAt = parts.now();
    this.state = {
      records: parts.specs.map(spec => newRecord(parts.nextJobId(), spec, createdAt)),
      now: parts.now,
      resourceGroups: parts.resourceGroups,
    };
    this.sources = { ...parts.sources, state: this.state };
    this.unsubscribe = parts.resourceGroups.onRelease(() => {
      processPipeline(this.state);
    });
    processPipeline(this.state);
  }

  /** The pipeline status GitLab derives from its latest jobs. */
  status(): PipelineStatus {
    this.refresh();
    return compositeStatus(latestRecords(this.state)) ?? 'created';
  }

  /** `true` when the pipeline passed with allowed failures ("passed with warnings"). */
  hasWarnings(): boolean {
    return this.status() === 'success' && hasWarnings(latestRecords(this.state));
  }

  /** Every job, retried ones included, in id order. */
  jobs(): readonly JobView[] {
    this.refresh();
    return this.state.records.map(viewOf);
  }

  /** One job by id. */
  job(jobId: number): JobView {
    return viewOf(this.record(jobId));
  }

  /** Jobs ready for a runner, oldest first (GitLab's queue orders by job id). */
  pendingJobs(): readonly JobView[] {
    this.refresh();
    return this.state.records.filter(record => record.status === 'pending').map(viewOf);
  }

  /** A runner accepted the job (`PUT state=running`). */
  markRunning(jobId: number): void {
    const record = this.record(jobId);
    if (record.status === 'running') {
      return;
    }
    if (record.status !== 'pending') {
      throw new PipelineError(
        'invalid_transition',
        `job ${jobId} is ${record.status}, not pending`,
      );
    }
    record.status = 'running';
    record.startedAt = this.state.now();
  }

  /**
   * Records the runner's final state; applies allow_failure exit codes, automatic retry,
   * frees the job's resource group and moves the rest of the pipeline on.
   */
  finishJob(jobId: number, outcome: JobOutcome): void {
    const record = this.record(jobId);
    if (!['running', 'pending', 'canceling'].includes(record.status)) {
      throw new PipelineError(
        'invalid_transition',
        `job ${jobId} is ${record.status}, not running`,
      );
    }
    // A job being canceled gracefully ends canceled, whatever the runner reports.
    record.status = record.status === 'canceling' ? 'canceled' : outcome.status;
    record.finishedAt = this.state.now();
    if (outcome.exitCode !== undefined) {
      record.exitCode = outcome.exitCode;
    }
    if (record.status === 'failed') {
      record.failureReason = storedFailureReason(outcome.failureReason);
      const codes = record.spec.allowFailureExitCodes;
      if (codes && outcome.exitCode !== undefined && codes.includes(outcome.exitCode)) {
        record.allowFailure = true;
      }
    }
    this.releaseResource(record);
    if (shouldAutoRetry(record)) {
      this.cloneForRetry(record);
    }
    processPipeline(this.state);
  }

  /** Starts a manual job (the "play" button). */
  playManual(jobId: number): void {
    const record = this.record(jobId);
    if (record.status !== 'manual') {
      throw new PipelineError('invalid_transition', `job ${jobId} is ${record.status}, not manual`);
    }
    record.played = true;
    enqueue(record, this.state);
    resetSkippedAfter(record, this.state);
    processPipeline(this.state);
  }

  /**
   * Cancels one job that has not finished. With `graceful` (the runner advertised
   * `cancel_gracefully`) a running job goes to `canceling` until the runner's final update;
   * canceling a `canceling` job again forces it to `canceled`.
   */
  cancelJob(jobId: number, options: CancelOptions = {}): void {
    const record = this.record(jobId);
    if (!cancelableStatuses.includes(record.status) && record.status !== 'canceling') {
      throw new PipelineError(
        'invalid_transition',
        `job ${jobId} is ${record.status} and cannot be canceled`,
      );
    }
    this.cancelRecord(record, options);
    processPipeline(this.state);
  }

  /** Cancels every job that has not finished (the pipeline's "Cancel" button). */
  cancel(options: CancelOptions = {}): void {
    for (const record of latestRecords(this.state)) {
      if (cancelableStatuses.includes(record.status)) {
        this.cancelRecord(record, options);
      }
    }
    processPipeline(this.state);
  }

  /** Retries a finished job (the "retry" button): a new job with a new id, queued at once. */
  retryJob(jobId: number): JobView {
    const record = this.record(jobId);
    if (record.retried || !['success', 'failed', 'canceled'].includes(record.status)) {
      throw new PipelineError(
        'not_retryable',
        `job ${jobId} is ${record.retried ? 'already retried' : record.status}`,
      );
    }
    const clone = this.cloneForRetry(record);
    resetSkippedAfter(clone, this.state);
    processPipeline(this.state);
    return viewOf(clone);
  }

  /** Notes an artifact file a runner uploaded, so later jobs list it in `dependencies`. */
  recordArtifacts(jobId: number, file: RecordedArtifact): void {
    this.record(jobId).artifacts.push({ ...file });
  }

  /** The `POST /jobs/request` 201 body for handing this job to a runner. */
  buildPayload(jobId: number, runner: PayloadRunner): JobPayload {
    return buildJobPayload(this.record(jobId), this.sources, runner);
  }

  /** Stops listening to resource-group releases (call when the pipeline is dropped). */
  dispose(): void {
    this.unsubscribe();
  }

  private refresh(): void {
    // Delayed jobs become pending when their time comes; the clock is only read on access.
    processPipeline(this.state);
  }

  private record(jobId: number): JobRecord {
    const record = this.state.records.find(candidate => candidate.id === jobId);
    if (!record) {
      throw new PipelineError('unknown_job', `job ${jobId} is not in pipeline ${this.id}`);
    }
    return record;
  }

  private cancelRecord(record: JobRecord, options: CancelOptions): void {
    if (record.status === 'running' && options.graceful === true) {
      // The job keeps its resource group until the runner reports the end of after_script.
      record.status = 'canceling';
      return;
    }
    this.markCanceled(record);
  }

  private markCanceled(record: JobRecord): void {
    record.status = 'canceled';
    record.finishedAt = this.state.now();
    this.releaseResource(record);
  }

  private releaseResource(record: JobRecord): void {
    if (
      record.spec.resourceGroup &&
      (completedStatuses as readonly string[]).includes(record.status)
    ) {
      this.state.resourceGroups.release(record.spec.resourceGroup, record.id);
    }
  }

  private cloneForRetry(record: JobRecord): JobRecord {
    record.retried = true;
    const clone = newRecord(this.nextJobId(), record.spec, this.state.now(), {
      of: record.id,
      count: record.retryCount + 1,
    });
    clone.played = record.played || record.spec.when === 'manual';
    this.state.records.push(clone);
    enqueue(clone, this.state);
    return clone;
  }
}
