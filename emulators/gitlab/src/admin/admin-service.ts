import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { GitlabEmulatorError } from '../errors';
import type {
  FaultInput,
  FaultRule,
  FaultRules,
  RateLimitInput,
  RateLimitRule,
} from '../faults/fault-rules';
import { createRepository } from '../git/index';
import type { PipelineFactory, ProjectVariable } from '../pipeline-port';
import { traceOf, truncateTrace } from '../state/job-runtime';
import type { ProjectRecord, ProjectRegistry } from '../state/project-registry';
import type { RequestLog, RequestLogEntry, RequestLogFilter } from '../state/request-log';
import type { CreateRunnerInput, RunnerRecord } from '../state/runner-registry';
import type { CancelMode, GitlabWorld } from '../world/gitlab-world';
import { jobView, type JobView } from './job-view';
import {
  createPipelineFor,
  type CreatePipelineInput,
  type PipelineView,
  pipelineView,
} from './pipelines';

/** A project as the admin API reports it. */
export interface ProjectView {
  readonly id: number;
  readonly path_with_namespace: string;
  readonly default_branch: string;
  readonly sha: string;
  readonly http_url_to_repo: string;
}

/** A runner as the admin API reports it (token included: tests configure clients with it). */
export interface RunnerView {
  readonly id: number;
  readonly token: string;
  readonly token_expires_at: string | null;
  readonly description: string;
  readonly tags: readonly string[];
  readonly runUntagged: boolean;
  readonly paused: boolean;
  readonly locked: boolean;
  readonly runnerType: string;
  readonly projectIds: readonly number[];
  readonly contactedAtMs: number | undefined;
  readonly managers: readonly {
    systemId: string;
    contactedAtMs: number;
    features: Record<string, unknown>;
  }[];
}

/** What the admin API can change on a runner. */
export type RunnerPatch = Partial<
  Pick<RunnerRecord, 'description' | 'tags' | 'runUntagged' | 'paused' | 'locked'>
>;

/** The emulator's control and read surface, used by the admin HTTP API and in-process by tests. */
export class AdminService {
  private nextJobId = 1;
  private nextPipelineId = 1;

  constructor(
    private readonly world: GitlabWorld,
    private readonly projects: ProjectRegistry,
    private readonly faults: FaultRules,
    private readonly requestLog: RequestLog,
    private readonly pipelineFactory: PipelineFactory,
    private readonly baseUrl: () => string,
  ) {}

  createRunner(input: CreateRunnerInput): RunnerView {
    const runner = this.world.runners.create(input, this.world.clock.now());
    return this.runnerView(runner);
  }

  updateRunner(id: number, patch: RunnerPatch): RunnerView {
    const runner = this.world.runners.get(id);
    Object.assign(runner, patch);
    // A runner that may now take more jobs must not sit in a long poll that never ends.
    this.world.runners.bump(id);
    return this.runnerView(runner);
  }

  deleteRunner(id: number): void {
    this.world.runners.delete(id);
  }

  listRunners(): RunnerView[] {
    return this.world.runners.all().map(runner => this.runnerView(runner));
  }

  async listProjects(): Promise<ProjectView[]> {
    const views: ProjectView[] = [];
    for (const project of this.projects.all()) {
      views.push(this.projectView(project, await project.repository.headSha()));
    }
    return views;
  }

  getRunner(id: number): RunnerView {
    return this.runnerView(this.world.runners.get(id));
  }

  async createProject(input: {
    path: string;
    sourceDir: string;
    defaultBranch?: string;
  }): Promise<ProjectView> {
    if (!/^[\w.-]+(\/[\w.-]+)+$/.test(input.path)) {
      throw new GitlabEmulatorError(
        'invalid_request',
        'could not create project: path must be group/project',
      );
    }
    if (this.projects.byPath(input.path) !== undefined) {
      throw new GitlabEmulatorError('conflict', 'could not create project: path taken');
    }
    const repository = await createRepository({
      rootDir: join(this.world.config.stateDir, 'repositories'),
      pathWithNamespace: input.path,
      sourceDir: input.sourceDir,
      ...(input.defaultBranch === undefined ? {} : { defaultBranch: input.defaultBranch }),
    });
    const project = this.projects.add(this.projects.allocateId(), input.path, repository);
    return this.projectView(project, await repository.headSha());
  }

  /** Commits a directory's contents as a new commit on a branch of the project. */
  async commitToProject(
    projectId: number,
    input: { sourceDir: string; branch?: string; message?: string },
  ): Promise<{ sha: string }> {
    const project = this.projects.get(projectId);
    const sha = await project.repository.commitDirectory(input.sourceDir, {
      ...(input.branch === undefined ? {} : { branch: input.branch }),
      ...(input.message === undefined ? {} : { message: input.message }),
    });
    return { sha };
  }

  async getProject(projectId: number): Promise<ProjectView> {
    const project = this.projects.get(projectId);
    return this.projectView(project, await project.repository.headSha());
  }

  setVariable(
    projectId: number,
    input: Partial<ProjectVariable> & { key: string; value: string },
  ): ProjectVariable {
    if (!/^[A-Za-z0-9_]+$/.test(input.key)) {
      throw new GitlabEmulatorError(
        'invalid_request',
        'could not set variable: key must be letters, digits or _',
      );
    }
    const variable: ProjectVariable = {
      key: input.key,
      value: input.value,
      masked: input.masked ?? false,
      file: input.file ?? false,
      protected: input.protected ?? false,
      raw: input.raw ?? false,
    };
    this.projects.get(projectId).variables.set(variable.key, variable);
    return variable;
  }

  deleteVariable(projectId: number, key: string): void {
    this.projects.get(projectId).variables.delete(key);
  }

  listVariables(projectId: number): ProjectVariable[] {
    return [...this.projects.get(projectId).variables.values()];
  }

  async createPipeline(projectId: number, input: CreatePipelineInput = {}): Promise<PipelineView> {
    const project = this.projects.get(projectId);
    const pipeline = await createPipelineFor(project, input, {
      pipelineId: this.nextPipelineId++,
      allocateJobId: () => this.nextJobId++,
      baseUrl: this.baseUrl(),
      factory: this.pipelineFactory,
      now: () => new Date(this.world.clock.now()),
    });
    this.world.addPipeline(pipeline);
    return pipelineView(this.world, pipeline);
  }

  getPipeline(pipelineId: number): PipelineView {
    return pipelineView(this.world, this.world.pipeline(pipelineId));
  }

  listPipelines(): PipelineView[] {
    return this.world.allPipelines().map(p => pipelineView(this.world, p));
  }

  /** Cancels every unfinished job of a pipeline, each as {@link AdminService.cancelJob} would. */
  cancelPipeline(pipelineId: number, mode: CancelMode = 'graceful'): PipelineView {
    const pipeline = this.world.pipeline(pipelineId);
    for (const job of pipeline.jobs()) {
      if (this.world.runtime(job.id) !== undefined && !this.world.isFinished(job.id)) {
        this.world.cancel(job.id, mode);
      }
    }
    return pipelineView(this.world, pipeline);
  }

  getJob(jobId: number): JobView {
    return jobView(this.world, this.world.requireRuntime(jobId));
  }

  /** The job's whole stored trace as text. */
  getTrace(jobId: number): string {
    return traceOf(this.world.requireRuntime(jobId)).toString('utf8');
  }

  /** The stored bytes of a job's artifact of `type` (`archive`, `junit`, …), or undefined. */
  getArtifactFile(jobId: number, type: string): Buffer | undefined {
    const artifact = this.world.requireRuntime(jobId).artifacts.find(a => a.type === type);
    return artifact === undefined ? undefined : readFileSync(artifact.filePath);
  }

  playJob(jobId: number): JobView {
    const runtime = this.world.requireRuntime(jobId);
    this.world.pipelineOf(runtime).playManual(jobId);
    this.world.reconcile();
    return this.getJob(jobId);
  }

  cancelJob(jobId: number, mode: CancelMode = 'graceful'): JobView {
    this.world.cancel(jobId, mode);
    return this.getJob(jobId);
  }

  /** Retries a finished job as GitLab's "Retry" button does; returns the new job. */
  retryJob(jobId: number): JobView {
    const runtime = this.world.requireRuntime(jobId);
    const newJobId = this.world.pipelineOf(runtime).retryJob(jobId);
    this.world.reconcile();
    return this.getJob(newJobId);
  }

  /** Expires a job's token: GitLab drops the job (`job_token_expired`) on its next use. */
  expireJobToken(jobId: number): JobView {
    const runtime = this.world.requireRuntime(jobId);
    if (this.world.isProcessing(runtime)) {
      this.world.drop(jobId, 'job_token_expired');
    }
    runtime.tokenExpired = true;
    return this.getJob(jobId);
  }

  /** Makes the job's next `count` final PUTs answer 202 (trace still being persisted). */
  delayFinalUpdate(jobId: number, count: number): JobView {
    this.world.requireRuntime(jobId).finalAcceptDelaysLeft = count;
    return this.getJob(jobId);
  }

  /**
   * Makes the job's next `count` final PUTs answer 412 (trace validation failed), each after
   * cutting the stored trace to `keepBytes` (default 0: GitLab lost the whole log).
   */
  rejectFinalTrace(jobId: number, count: number, keepBytes = 0): JobView {
    const runtime = this.world.requireRuntime(jobId);
    runtime.finalTraceRejectsLeft = count;
    runtime.finalTraceRejectKeepBytes = keepBytes;
    return this.getJob(jobId);
  }

  /** GitLab loses the job's stored trace past `keepBytes` now; the next PATCH gets 416. */
  truncateTrace(jobId: number, keepBytes: number): JobView {
    const runtime = this.world.requireRuntime(jobId);
    if (keepBytes > runtime.traceBytes) {
      throw new GitlabEmulatorError(
        'invalid_request',
        `could not truncate trace: it holds ${runtime.traceBytes} bytes, fewer than ${keepBytes}`,
      );
    }
    truncateTrace(runtime, keepBytes);
    return this.getJob(jobId);
  }

  addFault(input: FaultInput): FaultRule {
    return this.faults.addFault(input);
  }

  addRateLimit(input: RateLimitInput): RateLimitRule {
    return this.faults.addRateLimit(input);
  }

  removeFault(id: number): void {
    this.faults.remove(id);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  listFaults(): { faults: FaultRule[]; rateLimits: RateLimitRule[] } {
    return this.faults.list();
  }

  listRequests(filter: RequestLogFilter = {}): RequestLogEntry[] {
    return this.requestLog.list(filter);
  }

  private runnerView(runner: RunnerRecord): RunnerView {
    return {
      id: runner.id,
      token: runner.token,
      token_expires_at: runner.tokenExpiresAt,
      description: runner.description,
      tags: runner.tags,
      runUntagged: runner.runUntagged,
      paused: runner.paused,
      locked: runner.locked,
      runnerType: runner.runnerType,
      projectIds: runner.projectIds,
      contactedAtMs: runner.contactedAtMs,
      managers: [...runner.managers.values()].map(m => ({
        systemId: m.systemId,
        contactedAtMs: m.contactedAtMs,
        features: m.features,
      })),
    };
  }

  private projectView(project: ProjectRecord, sha: string): ProjectView {
    return {
      id: project.id,
      path_with_namespace: project.pathWithNamespace,
      default_branch: project.repository.defaultBranch,
      sha,
      http_url_to_repo: `${this.baseUrl()}/${project.pathWithNamespace}.git`,
    };
  }
}
