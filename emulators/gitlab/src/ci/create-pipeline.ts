import { compileConfig } from './compile-config';
import { ConfigProblems } from './errors';
import { Pipeline } from './pipeline';
import {
  pipelinePredefinedVariables,
  type CommitFacts,
  type PipelineFacts,
  type UserFacts,
} from './predefined';
import { ResourceGroups } from './resource-groups';
import { layeredLookup, seedJobs } from './seed';
import { pipelinePayloadVariables, projectPayloadVariables } from './variables';
import type { PipelineSource, PipelineVariable, ProjectInfo, ProjectVariable } from './types';

/** What a pipeline is created from: the repository at a commit, the project and the trigger. */
export interface CreatePipelineInput {
  /** Reads a repository file at `sha` (`.gitlab-ci.yml`, `include:local`, `rules:exists`, `cache:key:files`). */
  readonly readFile: (path: string) => string | undefined;
  /** Lists all files at `sha`; needed only for glob patterns in `rules:exists`. */
  readonly listFiles?: () => readonly string[];
  /** Files the push changed; without it `rules:changes` and `only:changes` count as true. */
  readonly changedFiles?: readonly string[];
  readonly project: ProjectInfo;
  readonly serverUrl: string;
  readonly ref: string;
  readonly refType: 'branch' | 'tag';
  readonly sha: string;
  readonly beforeSha: string;
  readonly pipelineId: number;
  /** The project-scoped pipeline number; defaults to `pipelineId`. */
  readonly pipelineIid?: number;
  readonly source: PipelineSource;
  readonly projectVariables: readonly ProjectVariable[];
  readonly pipelineVariables?: readonly PipelineVariable[];
  /** Whether the ref is protected; defaults to "is the default branch". */
  readonly protectedRef?: boolean;
  readonly commit?: CommitFacts;
  readonly user?: UserFacts;
  /** The project's resource-group locks, shared by its pipelines; a private set when omitted. */
  readonly resourceGroups?: ResourceGroups;
  readonly nextJobId: () => number;
  readonly now: () => Date;
}

/** A created pipeline, or GitLab's reasons for refusing to create one. */
export type CreatePipelineResult =
  { ok: true; pipeline: Pipeline } | { ok: false; errors: string[] };

// GitLab's administrator, who owns pipelines started through the admin API.
const defaultUser: UserFacts = {
  id: 1,
  username: 'root',
  name: 'Administrator',
  email: 'admin@example.com',
};

/**
 * Turns the `.gitlab-ci.yml` at a commit into a pipeline whose first jobs are already pending,
 * or returns every problem GitLab would report; on failure nothing is created and no job id is used.
 */
export function createPipeline(input: CreatePipelineInput): CreatePipelineResult {
  const protectedRef =
    input.protectedRef ?? (input.refType === 'branch' && input.ref === input.project.defaultBranch);
  const baseFacts: PipelineFacts = {
    project: input.project,
    serverUrl: input.serverUrl,
    ref: input.ref,
    refType: input.refType,
    sha: input.sha,
    beforeSha: input.beforeSha,
    pipelineId: input.pipelineId,
    pipelineIid: input.pipelineIid ?? input.pipelineId,
    source: input.source,
    createdAt: input.now(),
    configPath: '.gitlab-ci.yml',
    protectedRef,
    ...(input.commit ? { commit: input.commit } : {}),
    user: input.user ?? defaultUser,
  };
  const pipelineVariables = input.pipelineVariables ?? [];
  const predefined = pipelinePredefinedVariables(baseFacts);
  const repo = {
    readFile: input.readFile,
    ...(input.listFiles ? { listFiles: input.listFiles } : {}),
    ...(input.changedFiles ? { changedFiles: input.changedFiles } : {}),
  };
  const problems = new ConfigProblems();
  // include:rules see only the variables known before the YAML is read.
  const includeLookup = layeredLookup([
    predefined,
    projectPayloadVariables(input.projectVariables),
    pipelinePayloadVariables(pipelineVariables),
  ]);
  const config = compileConfig(input.readFile, problems, { lookup: includeLookup, repo });
  if (!config) {
    return { ok: false, errors: problems.list() };
  }
  const seeded = seedJobs(config, {
    predefined,
    projectVariables: input.projectVariables,
    pipelineVariables,
    repo,
    refFacts: {
      ref: input.ref,
      refType: input.refType,
      source: input.source,
      projectPath: input.project.pathWithNamespace,
      ...(input.changedFiles ? { changedFiles: input.changedFiles } : {}),
    },
    protectedRef,
    defaultTimeoutSeconds: input.project.buildTimeoutSeconds ?? 3600,
  });
  if (!seeded.ok) {
    return { ok: false, errors: seeded.errors };
  }
  const facts: PipelineFacts =
    seeded.pipelineName === undefined
      ? baseFacts
      : { ...baseFacts, pipelineName: seeded.pipelineName };
  const pipeline = new Pipeline({
    id: input.pipelineId,
    ...(seeded.pipelineName === undefined ? {} : { name: seeded.pipelineName }),
    specs: seeded.jobs,
    sources: {
      facts,
      pipelinePredefined: pipelinePredefinedVariables(facts),
      projectVariables: input.projectVariables,
      pipelineVariables,
    },
    nextJobId: input.nextJobId,
    now: input.now,
    resourceGroups: input.resourceGroups ?? new ResourceGroups(),
  });
  return { ok: true, pipeline };
}
