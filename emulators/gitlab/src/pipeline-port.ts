/**
 * What this package needs from a pipeline of the CI module (src/ci), so the HTTP side and the
 * admin API depend on a narrow shape rather than on the compiler's internals.
 */

import type { JobStatus } from './ci';

/** A job's status as GitLab names it (`Ci::Build` statuses); the CI module owns the list. */
export type CiJobStatus = JobStatus;

/** The part of a CI job the runner API looks at. */
export interface CiJobView {
  readonly id: number;
  readonly name: string;
  readonly stage: string;
  readonly status: CiJobStatus;
  readonly tags: readonly string[];
  /** When a `when: delayed` job becomes pending. */
  readonly scheduledAt?: Date;
}

/** How a runner finished a job, as the final `PUT /jobs/:id` reports it. */
export interface JobOutcome {
  readonly status: 'success' | 'failed';
  readonly failureReason?: string;
  readonly exitCode?: number;
}

/** An artifact archive or report a runner uploaded for a job. */
export interface ArtifactNotice {
  readonly filename: string;
  readonly size: number;
  readonly format: string;
  readonly type: string;
}

/** What the payload builder needs to know about the hand-out of one job. */
export interface PayloadContext {
  readonly jobToken: string;
  readonly runnerId: number;
  readonly runnerDescription: string;
  readonly runnerTags: readonly string[];
  readonly runnerMaximumTimeoutSec?: number;
  readonly timeInQueueSeconds: number;
  readonly queueSize: number;
  readonly queueDepth: number;
  readonly projectJobsRunningOnInstanceRunnersCount: number;
}

/** One pipeline as the runner API and the admin API drive it. */
export interface CiPipelinePort {
  readonly id: number;
  readonly projectId: number;
  readonly ref: string;
  readonly sha: string;
  status(): CiJobStatus;
  jobs(): readonly CiJobView[];
  /** Jobs that are `pending`, i.e. ready for a runner, in creation order. */
  pendingJobs(): readonly CiJobView[];
  markRunning(jobId: number): void;
  finishJob(jobId: number, outcome: JobOutcome): void;
  playManual(jobId: number): void;
  cancelJob(jobId: number): void;
  retryJob(jobId: number): number;
  recordArtifacts(jobId: number, artifact: ArtifactNotice): void;
  buildPayload(jobId: number, context: PayloadContext): Record<string, unknown>;
}

/** A project CI/CD variable as declared through the admin API. */
export interface ProjectVariable {
  readonly key: string;
  readonly value: string;
  readonly masked: boolean;
  /** `variable_type: file`: the runner writes the value to a file. */
  readonly file: boolean;
  readonly protected: boolean;
  readonly raw: boolean;
}

/** The project a pipeline runs for. */
export interface PipelineProject {
  readonly id: number;
  readonly name: string;
  readonly pathWithNamespace: string;
  readonly namespaceId: number;
  readonly defaultBranch: string;
  /** e.g. `http://127.0.0.1:PORT/group/project`; the clone URL is this plus `.git`. */
  readonly webUrl: string;
}

/** Everything the CI module needs to compile a pipeline from a commit. */
export interface PipelineRequest {
  readonly pipelineId: number;
  readonly project: PipelineProject;
  readonly serverUrl: string;
  readonly ref: string;
  readonly refType: 'branch' | 'tag';
  readonly sha: string;
  readonly beforeSha: string;
  readonly source: string;
  readonly projectVariables: readonly ProjectVariable[];
  readonly pipelineVariables: readonly { readonly key: string; readonly value: string }[];
  /** A file's text at the pipeline's sha, or undefined. */
  readonly readFile: (path: string) => string | undefined;
  /** Every file path at the sha (for `rules: exists`). */
  readonly listFiles: () => readonly string[];
  readonly allocateJobId: () => number;
  /** The emulator's clock, for `queuedAt`, delayed jobs and timestamps. */
  readonly now: () => Date;
}

/** Compiles a pipeline, or reports GitLab's errors for a file it would reject. */
export type PipelineFactory = (
  request: PipelineRequest,
) =>
  | { readonly ok: true; readonly pipeline: CiPipelinePort }
  | { readonly ok: false; readonly errors: readonly string[] };
