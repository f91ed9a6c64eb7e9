import { createPipeline, type CreatePipelineInput } from './create-pipeline';
import type { JobPayload } from './payload-types';
import type { Pipeline } from './pipeline';

/** A fixed project for tests of the CI model. */
export const testProject = {
  id: 17,
  name: 'widgets',
  pathWithNamespace: 'acme/widgets',
  namespaceId: 9,
  webUrl: 'http://127.0.0.1:8080/acme/widgets',
  defaultBranch: 'main',
};

/** Pipeline input for tests: `.gitlab-ci.yml` (and other files) from a map, ids counting up. */
export function testInput(
  files: Record<string, string>,
  overrides: Partial<CreatePipelineInput> = {},
): CreatePipelineInput {
  let nextId = 100;
  let clockMs = Date.parse('2026-12-03T09:00:00Z');
  return {
    readFile: path => files[path],
    project: testProject,
    serverUrl: 'http://127.0.0.1:8080',
    ref: 'main',
    refType: 'branch',
    sha: '9f2c1e0a7b3d4c5e6f708192a3b4c5d6e7f80912',
    beforeSha: '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d',
    pipelineId: 88,
    source: 'push',
    projectVariables: [],
    nextJobId: () => ++nextId,
    now: () => new Date((clockMs += 1000)),
    ...overrides,
  };
}

/** Creates a pipeline from YAML text, failing the test with GitLab's errors if it is refused. */
export function pipelineFrom(
  yaml: string,
  overrides: Partial<CreatePipelineInput> = {},
  files: Record<string, string> = {},
): Pipeline {
  const result = createPipeline(testInput({ '.gitlab-ci.yml': yaml, ...files }, overrides));
  if (!result.ok) {
    throw new Error(`pipeline refused: ${result.errors.join('; ')}`);
  }
  return result.pipeline;
}

/** The errors GitLab would give for the YAML (empty when the pipeline is created). */
export function errorsFor(
  yaml: string,
  overrides: Partial<CreatePipelineInput> = {},
  files: Record<string, string> = {},
): string[] {
  const result = createPipeline(testInput({ '.gitlab-ci.yml': yaml, ...files }, overrides));
  return result.ok ? [] : result.errors;
}

/** `name=status` for every latest job, for compact assertions. */
export function statuses(pipeline: Pipeline): Record<string, string> {
  const out: Record<string, string> = {};
  for (const job of pipeline.jobs()) {
    if (!job.retried) {
      out[job.name] = job.status;
    }
  }
  return out;
}

/** Runs the pending job called `name` to the given outcome. */
export function finish(
  pipeline: Pipeline,
  name: string,
  status: 'success' | 'failed' | 'canceled',
  exitCode?: number,
  failureReason?: string,
): void {
  const job = pipeline.pendingJobs().find(candidate => candidate.name === name);
  if (!job) {
    throw new Error(`no pending job ${name}: ${JSON.stringify(statuses(pipeline))}`);
  }
  pipeline.markRunning(job.id);
  pipeline.finishJob(job.id, {
    status,
    ...(exitCode === undefined ? {} : { exitCode }),
    ...(failureReason === undefined
      ? status === 'failed'
        ? { failureReason: 'script_failure' }
        : {}
      : { failureReason }),
  });
}

/** The runner tests hand jobs to. */
export const testRunner = {
  jobToken: 'glcbt-64_2nQeX1yLrS9aZtP3',
  runnerId: 7,
  runnerShortToken: 'abc123',
  runnerTags: ['shell', 'linux'],
};

/** Creates a pipeline, lets `prepare` move it on, and builds the payload of the job `name`. */
export function payloadOf(
  yaml: string,
  name: string,
  overrides: Partial<CreatePipelineInput> = {},
  prepare?: (pipeline: Pipeline) => void,
): JobPayload {
  const pipeline = pipelineFrom(yaml, overrides);
  prepare?.(pipeline);
  const job = pipeline.jobs().find(candidate => candidate.name === name && !candidate.retried);
  if (!job) {
    throw new Error(`no job ${name}`);
  }
  return pipeline.buildPayload(job.id, testRunner);
}
