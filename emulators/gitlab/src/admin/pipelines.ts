import { GitlabEmulatorError } from '../errors';
import type { CiPipelinePort, PipelineFactory } from '../pipeline-port';
import type { ProjectRecord } from '../state/project-registry';
import type { GitlabWorld } from '../world/gitlab-world';

/** What the admin API accepts when creating a pipeline. */
export interface CreatePipelineInput {
  /** Branch or tag; the default branch unless given. */
  readonly ref?: string;
  /** A commit on `ref`; the ref's head unless given. */
  readonly sha?: string;
  readonly beforeSha?: string;
  /** `CI_PIPELINE_SOURCE`; `push` unless given. */
  readonly source?: string;
  readonly variables?: readonly { key: string; value: string }[];
}

/** A pipeline and its jobs as the read API reports them. */
export interface PipelineView {
  readonly id: number;
  readonly projectId: number;
  readonly ref: string;
  readonly sha: string;
  readonly status: string;
  readonly jobs: readonly { id: number; name: string; stage: string; status: string }[];
}

const zeroSha = '0000000000000000000000000000000000000000';
// Only YAML is read ahead: `include: local` and the CI file itself are all the compiler reads.
const readAhead = /\.ya?ml$/;

/** Reads the commit's CI configuration and compiles a pipeline, or throws GitLab's errors. */
export async function createPipelineFor(
  project: ProjectRecord,
  input: CreatePipelineInput,
  deps: {
    pipelineId: number;
    allocateJobId: () => number;
    baseUrl: string;
    factory: PipelineFactory;
    now: () => Date;
  },
): Promise<CiPipelinePort> {
  const repository = project.repository;
  const ref = input.ref ?? repository.defaultBranch;
  const isBranch = (await repository.resolve(`refs/heads/${ref}`)) !== undefined;
  const tagSha = isBranch ? undefined : await repository.resolve(`refs/tags/${ref}`);
  if (!isBranch && tagSha === undefined) {
    throw new GitlabEmulatorError(
      'pipeline_invalid',
      'could not create pipeline: reference not found',
      {
        details: ['Reference not found'],
      },
    );
  }
  const sha =
    input.sha === undefined
      ? await repository.headSha(isBranch ? `refs/heads/${ref}` : `refs/tags/${ref}`)
      : await repository.resolve(input.sha);
  if (sha === undefined) {
    throw new GitlabEmulatorError(
      'pipeline_invalid',
      'could not create pipeline: commit not found',
      {
        details: ['Commit not found'],
      },
    );
  }
  const files = await repository.listFiles(sha);
  const contents = new Map<string, string>();
  for (const path of files.filter(f => readAhead.test(f))) {
    const text = await repository.readFile(sha, path);
    if (text !== undefined) {
      contents.set(path, text);
    }
  }
  const result = deps.factory({
    pipelineId: deps.pipelineId,
    project: {
      id: project.id,
      name: project.name,
      pathWithNamespace: project.pathWithNamespace,
      namespaceId: project.namespaceId,
      defaultBranch: repository.defaultBranch,
      webUrl: `${deps.baseUrl}/${project.pathWithNamespace}`,
    },
    serverUrl: deps.baseUrl,
    ref,
    refType: isBranch ? 'branch' : 'tag',
    sha,
    beforeSha: input.beforeSha ?? zeroSha,
    source: input.source ?? 'push',
    projectVariables: [...project.variables.values()],
    pipelineVariables: input.variables ?? [],
    readFile: path => contents.get(path.replace(/^\/+/, '')),
    listFiles: () => files,
    allocateJobId: deps.allocateJobId,
    now: deps.now,
  });
  if (!result.ok) {
    throw new GitlabEmulatorError(
      'pipeline_invalid',
      'could not create pipeline: invalid CI configuration',
      {
        details: result.errors,
      },
    );
  }
  // The payload's refspecs fetch refs/pipelines/<id>, so the ref must exist before any job runs.
  await repository.createPipelineRef(deps.pipelineId, sha);
  return result.pipeline;
}

/** Builds the read-API view of a pipeline. */
export function pipelineView(world: GitlabWorld, pipeline: CiPipelinePort): PipelineView {
  const jobs = pipeline.jobs().map(job => ({
    id: job.id,
    name: job.name,
    stage: job.stage,
    status: world.runtime(job.id) === undefined ? job.status : world.status(job.id),
  }));
  const status = pipeline.status();
  // The CI module sees a canceling job as running; GitLab shows such a pipeline as canceling.
  const canceling = status === 'running' && jobs.some(job => job.status === 'canceling');
  return {
    id: pipeline.id,
    projectId: pipeline.projectId,
    ref: pipeline.ref,
    sha: pipeline.sha,
    status: canceling ? 'canceling' : status,
    jobs,
  };
}
