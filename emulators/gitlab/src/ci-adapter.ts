import { createPipeline, ResourceGroups, type Pipeline, type PipelineSource } from './ci/index';
import type {
  ArtifactNotice,
  CiJobStatus,
  CiJobView,
  CiPipelinePort,
  JobOutcome,
  PayloadContext,
  PipelineFactory,
  PipelineRequest,
} from './pipeline-port';

const pipelineSources: readonly PipelineSource[] = [
  'push',
  'web',
  'api',
  'schedule',
  'trigger',
  'merge_request_event',
];

function isSource(source: string): source is PipelineSource {
  return (pipelineSources as readonly string[]).includes(source);
}

/** A pipeline of the CI module seen through the port the runner API uses. */
class CiModulePipeline implements CiPipelinePort {
  readonly id: number;
  readonly projectId: number;
  readonly ref: string;
  readonly sha: string;

  constructor(
    private readonly pipeline: Pipeline,
    request: PipelineRequest,
  ) {
    this.id = pipeline.id;
    this.projectId = request.project.id;
    this.ref = request.ref;
    this.sha = request.sha;
  }

  status(): CiJobStatus {
    return this.pipeline.status();
  }

  jobs(): readonly CiJobView[] {
    return this.pipeline.jobs();
  }

  pendingJobs(): readonly CiJobView[] {
    return this.pipeline.pendingJobs();
  }

  markRunning(jobId: number): void {
    this.pipeline.markRunning(jobId);
  }

  finishJob(jobId: number, outcome: JobOutcome): void {
    this.pipeline.finishJob(jobId, outcome);
  }

  playManual(jobId: number): void {
    this.pipeline.playManual(jobId);
  }

  cancelJob(jobId: number): void {
    this.pipeline.cancelJob(jobId);
  }

  retryJob(jobId: number): number {
    return this.pipeline.retryJob(jobId).id;
  }

  recordArtifacts(jobId: number, artifact: ArtifactNotice): void {
    this.pipeline.recordArtifacts(jobId, artifact);
  }

  buildPayload(jobId: number, context: PayloadContext): Record<string, unknown> {
    const payload = this.pipeline.buildPayload(jobId, {
      jobToken: context.jobToken,
      runnerId: context.runnerId,
      runnerDescription: context.runnerDescription,
      runnerTags: context.runnerTags,
      ...(context.runnerMaximumTimeoutSec === undefined
        ? {}
        : { timeoutCapSeconds: context.runnerMaximumTimeoutSec }),
      timeInQueueSeconds: context.timeInQueueSeconds,
      queueSize: context.queueSize,
      queueDepth: context.queueDepth,
      projectJobsRunningOnInstanceRunnersCount: context.projectJobsRunningOnInstanceRunnersCount,
    });
    return { ...payload };
  }
}

/**
 * Compiles pipelines with the CI module (src/ci); one factory per emulator, holding each
 * project's resource-group locks so they serialise jobs across the project's pipelines.
 */
export function createCiPipelineFactory(): PipelineFactory {
  const resourceGroups = new Map<number, ResourceGroups>();
  return request => {
    if (!isSource(request.source)) {
      return { ok: false, errors: [`pipeline source ${request.source} is not supported`] };
    }
    let groups = resourceGroups.get(request.project.id);
    if (groups === undefined) {
      groups = new ResourceGroups();
      resourceGroups.set(request.project.id, groups);
    }
    const result = createPipeline({
      readFile: request.readFile,
      listFiles: request.listFiles,
      project: request.project,
      serverUrl: request.serverUrl,
      ref: request.ref,
      refType: request.refType,
      sha: request.sha,
      beforeSha: request.beforeSha,
      pipelineId: request.pipelineId,
      source: request.source,
      projectVariables: request.projectVariables,
      pipelineVariables: request.pipelineVariables,
      resourceGroups: groups,
      nextJobId: request.allocateJobId,
      now: request.now,
    });
    if (!result.ok) {
      return { ok: false, errors: result.errors };
    }
    return { ok: true, pipeline: new CiModulePipeline(result.pipeline, request) };
  };
}
