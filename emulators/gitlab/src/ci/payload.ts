import { serverFailureReasons } from './failure-reasons';
import type { JobRecord } from './job-record';
import type { PayloadDependency, PayloadRunner, PayloadStep, JobPayload } from './payload-types';
import { jobPredefinedVariables, repositoryUrl, type PipelineFacts } from './predefined';
import { latestRecords, neededRecords, type ScheduleState } from './schedule';
import type { PipelineVariable, ProjectVariable } from './types';
import {
  layerVariables,
  pipelinePayloadVariables,
  projectPayloadVariables,
  yamlPayloadVariables,
  type PayloadVariable,
} from './variables';

/** Everything the payload builder reads from the pipeline. */
export interface PayloadSources {
  readonly facts: PipelineFacts;
  readonly pipelinePredefined: readonly PayloadVariable[];
  readonly projectVariables: readonly ProjectVariable[];
  readonly pipelineVariables: readonly PipelineVariable[];
  readonly state: ScheduleState;
}

// Token prefixes GitLab asks the runner to mask in logs, besides masked variables.
const tokenMaskPrefixes = ['glpat-', 'glcbt-', 'glrt-', 'glptt-', 'gldt-'];

function refspecs(facts: PipelineFacts, depth: number): string[] {
  const persistent = `+refs/pipelines/${facts.pipelineId}:refs/pipelines/${facts.pipelineId}`;
  if (depth === 0) {
    return [persistent, '+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*'];
  }
  return facts.refType === 'tag'
    ? [persistent, `+refs/tags/${facts.ref}:refs/tags/${facts.ref}`]
    : [persistent, `+refs/heads/${facts.ref}:refs/remotes/origin/${facts.ref}`];
}

function dependencyRecords(record: JobRecord, state: ScheduleState): JobRecord[] {
  const latest = latestRecords(state).filter(other => other.id !== record.id);
  const { spec } = record;
  if (spec.dependencies) {
    const names = spec.dependencies;
    return latest.filter(other => names.includes(other.spec.baseName));
  }
  if (spec.needs) {
    const withArtifacts = { ...spec, needs: spec.needs.filter(need => need.artifacts) };
    return neededRecords(withArtifacts, latest);
  }
  return latest.filter(other => other.spec.stageIndex < spec.stageIndex);
}

function dependencies(record: JobRecord, state: ScheduleState, token: string): PayloadDependency[] {
  return dependencyRecords(record, state).map(dependency => {
    const archive = dependency.artifacts.find(artifact => artifact.type === 'archive');
    const entry: PayloadDependency = { id: dependency.id, token, name: dependency.spec.name };
    return archive
      ? { ...entry, artifacts_file: { filename: archive.filename, size: archive.size } }
      : entry;
  });
}

function steps(record: JobRecord, timeout: number): PayloadStep[] {
  const { spec } = record;
  const list: PayloadStep[] = [
    {
      name: 'script',
      script: [...spec.beforeScript, ...spec.script],
      timeout,
      when: 'on_success',
      allow_failure: false,
    },
  ];
  if (spec.afterScript.length > 0) {
    list.push({
      name: 'after_script',
      script: spec.afterScript,
      timeout,
      when: 'always',
      allow_failure: true,
    });
  }
  return list;
}

function variables(
  record: JobRecord,
  sources: PayloadSources,
  runner: PayloadRunner,
  timeout: number,
): PayloadVariable[] {
  const { facts } = sources;
  const { spec } = record;
  const depth = facts.project.defaultGitDepth ?? 20;
  const jobFacts = {
    id: record.id,
    name: spec.name,
    stage: spec.stage,
    token: runner.jobToken,
    manual: spec.when === 'manual' && record.played,
    ...(spec.nodeIndex === undefined
      ? {}
      : { nodeIndex: spec.nodeIndex, nodeTotal: spec.nodeTotal }),
    ...(spec.environment ? { environment: spec.environment } : {}),
    // The payload is built when the runner picks the job, which is when GitLab starts it.
    startedAt: record.startedAt ?? sources.state.now(),
    timeoutSeconds: timeout,
    runnerId: runner.runnerId,
    ...(runner.runnerShortToken === undefined ? {} : { runnerShortToken: runner.runnerShortToken }),
    ...(runner.runnerDescription === undefined
      ? {}
      : { runnerDescription: runner.runnerDescription }),
    ...(runner.runnerTags === undefined ? {} : { runnerTags: runner.runnerTags }),
  };
  return layerVariables([
    sources.pipelinePredefined,
    depth > 0 ? [{ key: 'GIT_DEPTH', value: String(depth), public: true, masked: false }] : [],
    jobPredefinedVariables(facts, jobFacts),
    yamlPayloadVariables(spec.variables),
    projectPayloadVariables(sources.projectVariables),
    pipelinePayloadVariables(sources.pipelineVariables),
  ]);
}

/** Builds the runner payload (§3.6) of one job being handed to a runner. */
export function buildJobPayload(
  record: JobRecord,
  sources: PayloadSources,
  runner: PayloadRunner,
): JobPayload {
  const { facts } = sources;
  const { spec } = record;
  const jobTimeout = spec.timeoutSeconds ?? 3600;
  const timeout =
    runner.timeoutCapSeconds === undefined
      ? jobTimeout
      : Math.min(jobTimeout, runner.timeoutCapSeconds);
  const vars = variables(record, sources, runner, timeout);
  const depthText = vars.find(variable => variable.key === 'GIT_DEPTH')?.value;
  const depth = depthText !== undefined && /^\d+$/.test(depthText) ? Number(depthText) : 0;
  const queued = record.queuedAt ?? record.createdAt;
  const inQueue =
    runner.timeInQueueSeconds ??
    Math.max(0, (sources.state.now().getTime() - queued.getTime()) / 1000);
  const artifacts = spec.artifacts.map(({ exclude, ...entry }) =>
    exclude.length > 0 ? { ...entry, exclude } : entry,
  );
  return {
    id: record.id,
    token: runner.jobToken,
    allow_git_fetch: true,
    job_info: {
      id: record.id,
      name: spec.name,
      stage: spec.stage,
      project_id: facts.project.id,
      project_name: facts.project.name,
      project_full_path: facts.project.pathWithNamespace,
      pipeline_id: facts.pipelineId,
      namespace_id: facts.project.namespaceId,
      root_namespace_id: facts.project.namespaceId,
      organization_id: 1,
      instance_id: '',
      instance_uuid: '',
      user_id: facts.user.id,
      time_in_queue_seconds: inQueue,
      project_jobs_running_on_instance_runners_count: String(
        runner.projectJobsRunningOnInstanceRunnersCount ?? 0,
      ),
      queue_size: runner.queueSize ?? 0,
      queue_depth: runner.queueDepth ?? 0,
    },
    git_info: {
      repo_url: repositoryUrl(facts.project, runner.jobToken),
      repo_object_format: 'sha1',
      ref: facts.ref,
      sha: facts.sha,
      before_sha: facts.beforeSha,
      ref_type: facts.refType,
      refspecs: refspecs(facts, depth),
      depth,
      protected: facts.protectedRef,
    },
    runner_info: { timeout, runner_session_url: null },
    variables: vars,
    steps: steps(record, timeout),
    ...(spec.preGetSourcesScript && spec.preGetSourcesScript.length > 0
      ? { hooks: [{ name: 'pre_get_sources_script' as const, script: spec.preGetSourcesScript }] }
      : {}),
    image: spec.image ?? null,
    services: spec.services,
    artifacts: artifacts.length > 0 ? artifacts : null,
    cache:
      spec.cache.length > 0
        ? spec.cache.map(cache => ({
            key: cache.key,
            untracked: cache.untracked,
            policy: cache.policy,
            paths: cache.paths,
            when: cache.when,
            fallback_keys: cache.fallbackKeys,
          }))
        : null,
    credentials: [],
    dependencies: dependencies(record, sources.state, runner.jobToken),
    features: {
      trace_sections: true,
      failure_reasons: serverFailureReasons,
      token_mask_prefixes: tokenMaskPrefixes,
    },
  };
}
