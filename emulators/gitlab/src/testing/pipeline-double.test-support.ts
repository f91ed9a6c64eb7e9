import type {
  ArtifactNotice,
  CiJobStatus,
  CiJobView,
  CiPipelinePort,
  JobOutcome,
  PayloadContext,
  PipelineFactory,
  PipelineRequest,
} from '../pipeline-port';

interface DoubleJob {
  id: number;
  name: string;
  stage: string;
  status: CiJobStatus;
  tags: string[];
  artifacts: ArtifactNotice[];
}

/** A job a test declares for the pipeline double. */
export interface DoubleJobSpec {
  readonly name: string;
  readonly tags?: readonly string[];
  readonly manual?: boolean;
}

/**
 * A minimal pipeline for unit tests of the runner API: all jobs are pending at once (or manual),
 * no stages, no retry rules. The real CI module replaces it in the integration test.
 */
export class PipelineDouble implements CiPipelinePort {
  readonly id: number;
  readonly projectId: number;
  readonly ref = 'main';
  readonly sha: string;
  readonly finished: { jobId: number; outcome: JobOutcome }[] = [];
  private readonly list: DoubleJob[];

  constructor(request: PipelineRequest, specs: readonly DoubleJobSpec[]) {
    this.id = request.pipelineId;
    this.projectId = request.project.id;
    this.sha = request.sha;
    this.list = specs.map(spec => ({
      id: request.allocateJobId(),
      name: spec.name,
      stage: 'test',
      status: spec.manual === true ? 'manual' : 'pending',
      tags: [...(spec.tags ?? [])],
      artifacts: [],
    }));
    this.request = request;
  }

  private readonly request: PipelineRequest;

  status(): CiJobStatus {
    const statuses = this.list.map(j => j.status);
    if (statuses.includes('running')) {
      return 'running';
    }
    if (statuses.includes('pending')) {
      return 'pending';
    }
    return statuses.includes('failed') ? 'failed' : 'success';
  }

  jobs(): readonly CiJobView[] {
    return this.list;
  }

  pendingJobs(): readonly CiJobView[] {
    return this.list.filter(j => j.status === 'pending');
  }

  markRunning(jobId: number): void {
    this.job(jobId).status = 'running';
  }

  finishJob(jobId: number, outcome: JobOutcome): void {
    this.finished.push({ jobId, outcome });
    this.job(jobId).status = outcome.status;
  }

  playManual(jobId: number): void {
    this.job(jobId).status = 'pending';
  }

  cancelJob(jobId: number): void {
    this.job(jobId).status = 'canceled';
  }

  retryJob(jobId: number): number {
    const old = this.job(jobId);
    const id = this.request.allocateJobId();
    this.list.push({ ...old, id, status: 'pending', artifacts: [] });
    return id;
  }

  recordArtifacts(jobId: number, artifact: ArtifactNotice): void {
    this.job(jobId).artifacts.push(artifact);
  }

  buildPayload(jobId: number, context: PayloadContext): Record<string, unknown> {
    const job = this.job(jobId);
    const others = this.list.filter(j => j.id !== jobId && j.artifacts.length > 0);
    return {
      id: job.id,
      token: context.jobToken,
      job_info: {
        name: job.name,
        stage: job.stage,
        time_in_queue_seconds: context.timeInQueueSeconds,
      },
      git_info: { repo_url: this.request.repoUrl(context.jobToken), sha: this.sha },
      dependencies: others.map(j => ({
        id: j.id,
        name: j.name,
        token: context.jobToken,
        artifacts_file: { filename: j.artifacts[0]?.filename, size: j.artifacts[0]?.size },
      })),
    };
  }

  private job(jobId: number): DoubleJob {
    const job = this.list.find(j => j.id === jobId);
    if (job === undefined) {
      throw new Error(`no job ${jobId}`);
    }
    return job;
  }
}

/** A factory handing out pipeline doubles with the jobs a test queued via `next`. */
export function pipelineDoubleFactory(): {
  factory: PipelineFactory;
  next: (specs: readonly DoubleJobSpec[]) => void;
  created: PipelineDouble[];
} {
  const queue: (readonly DoubleJobSpec[])[] = [];
  const created: PipelineDouble[] = [];
  return {
    factory: request => {
      if (request.readFile('.gitlab-ci.yml') === undefined) {
        return { ok: false, errors: ['Missing CI config file'] };
      }
      const pipeline = new PipelineDouble(request, queue.shift() ?? [{ name: 'test' }]);
      created.push(pipeline);
      return { ok: true, pipeline };
    },
    next: specs => queue.push(specs),
    created,
  };
}
