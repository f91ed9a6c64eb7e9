import { isMap, type YamlMap } from './deep-merge';
import type { ConfigProblems } from './errors';
import { resolveExtends } from './extends';
import { defaultKeys, legacyGlobalKeys, reservedTopLevelKeys } from './job-keys';
import { loadConfig, type IncludeContext, type RepoFileReader } from './load-config';
import { inherits, normalizeJob, readJobInherit, type JobDefinition } from './normalize-job';
import { resolveReferences } from './references';
import { normalizeRules, type Rule } from './rules';
import { isStringArray, unknownKeys } from './shape';
import type { YamlVariable } from './types';
import { normalizeVariables } from './variables';

/** A validated `.gitlab-ci.yml`: stages, global variables, workflow and visible job definitions. */
export interface CompiledConfig {
  /** All stages in order, with `.pre` first and `.post` last. */
  readonly stages: readonly string[];
  readonly variables: readonly YamlVariable[];
  readonly workflowRules?: readonly Rule[];
  readonly workflowName?: string;
  readonly jobs: readonly JobDefinition[];
}

const defaultStages = ['build', 'test', 'deploy'];

function readStages(value: unknown, problems: ConfigProblems): string[] {
  if (value === undefined) {
    return ['.pre', ...defaultStages, '.post'];
  }
  if (!isStringArray(value)) {
    problems.add('stages config should be an array of strings');
    return ['.pre', ...defaultStages, '.post'];
  }
  const own = value.filter(stage => stage !== '.pre' && stage !== '.post');
  return ['.pre', ...new Set(own), '.post'];
}

function readDefaults(config: YamlMap, problems: ConfigProblems): YamlMap {
  const defaults: YamlMap = {};
  // Deprecated globals (`image:` at the top) act as defaults unless `default:` sets the key.
  for (const key of legacyGlobalKeys) {
    if (config[key] !== undefined) {
      defaults[key] = config[key];
    }
  }
  const section = config.default;
  if (section === undefined || section === null) {
    return defaults;
  }
  if (!isMap(section)) {
    problems.add('default config should be a hash');
    return defaults;
  }
  const unknown = unknownKeys(section, defaultKeys);
  if (unknown.length > 0) {
    problems.add(`default config contains unknown keys: ${unknown.join(', ')}`);
  }
  return { ...defaults, ...section };
}

function readWorkflow(
  value: unknown,
  problems: ConfigProblems,
): Pick<CompiledConfig, 'workflowRules' | 'workflowName'> {
  if (value === undefined || value === null) {
    return {};
  }
  if (!isMap(value)) {
    problems.add('workflow config should be a hash');
    return {};
  }
  const unknown = unknownKeys(value, ['rules', 'name', 'auto_cancel']);
  if (unknown.length > 0) {
    problems.add(`workflow config contains unknown keys: ${unknown.join(', ')}`);
  }
  if (value.auto_cancel !== undefined) {
    // TODO(when-a-test-needs-it): workflow:auto_cancel (cancelling redundant pipelines) is not modelled.
    problems.add('workflow:auto_cancel is not supported by the emulator');
  }
  const rules = normalizeRules(value.rules, 'workflow:rules', problems, true);
  return {
    ...(rules ? { workflowRules: rules } : {}),
    ...(typeof value.name === 'string' ? { workflowName: value.name } : {}),
  };
}

function withDefaults(
  job: YamlMap,
  defaults: YamlMap,
  inherit: ReturnType<typeof readJobInherit>,
): YamlMap {
  const merged: YamlMap = { ...job };
  for (const [key, value] of Object.entries(defaults)) {
    if (merged[key] === undefined && inherits(inherit.defaults, key)) {
      merged[key] = value;
    }
  }
  return merged;
}

function checkStage(job: JobDefinition, stages: readonly string[], problems: ConfigProblems): void {
  if (!stages.includes(job.stage)) {
    problems.add(
      `${job.name} job: chosen stage ${job.stage} does not exist; available stages are ${stages.join(', ')}`,
    );
  }
}

function checkDependencies(
  jobs: readonly JobDefinition[],
  stages: readonly string[],
  problems: ConfigProblems,
): void {
  const byName = new Map(jobs.map(job => [job.name, job]));
  const stageOf = (job: JobDefinition): number => stages.indexOf(job.stage);
  for (const job of jobs) {
    for (const need of job.needs ?? []) {
      const target = byName.get(need.job);
      if (!target) {
        if (!need.optional) {
          problems.add(`${job.name} job: undefined need: ${need.job}`);
        }
      } else if (stageOf(target) > stageOf(job)) {
        problems.add(`${job.name} job: need ${need.job} is not defined in current or prior stages`);
      }
    }
    for (const dependency of job.dependencies ?? []) {
      const target = byName.get(dependency);
      if (!target) {
        problems.add(`${job.name} job: undefined dependency: ${dependency}`);
      } else if (job.needs === undefined && stageOf(target) >= stageOf(job)) {
        problems.add(
          `${job.name} job: dependency ${dependency} is not defined in current or prior stages`,
        );
      } else if (job.needs !== undefined && !job.needs.some(need => need.job === dependency)) {
        problems.add(`${job.name} job: dependency ${dependency} should be part of needs`);
      }
    }
  }
}

function hasNeedsCycle(jobs: readonly JobDefinition[]): boolean {
  const needsOf = new Map(jobs.map(job => [job.name, (job.needs ?? []).map(need => need.job)]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string): boolean => {
    const seen = state.get(name);
    if (seen !== undefined) {
      return seen === 'visiting';
    }
    state.set(name, 'visiting');
    const cyclic = (needsOf.get(name) ?? []).some(need => visit(need));
    state.set(name, 'done');
    return cyclic;
  };
  return jobs.some(job => visit(job.name));
}

/**
 * Loads and validates `.gitlab-ci.yml` (includes, extends, `!reference`, defaults, every job's
 * keys); returns `undefined` when GitLab would refuse the file, with every problem recorded.
 */
export function compileConfig(
  readFile: RepoFileReader,
  problems: ConfigProblems,
  includeContext?: IncludeContext,
): CompiledConfig | undefined {
  const loaded = loadConfig(readFile, problems, includeContext);
  if (!loaded) {
    return undefined;
  }
  const extended = resolveExtends(loaded, problems);
  const config = resolveReferences(extended, problems);
  if (!problems.isEmpty()) {
    return undefined;
  }
  const stages = readStages(config.stages, problems);
  const variables = normalizeVariables(config.variables, 'variables', problems);
  const workflow = readWorkflow(config.workflow, problems);
  const defaults = readDefaults(config, problems);
  const jobs: JobDefinition[] = [];
  const reserved: readonly string[] = [...reservedTopLevelKeys, ...legacyGlobalKeys];
  for (const [name, value] of Object.entries(config)) {
    if (reserved.includes(name) || name.startsWith('.')) {
      continue;
    }
    if (!isMap(value)) {
      problems.add(`jobs:${name} config should be a hash`);
      continue;
    }
    const inherit = readJobInherit(value, name, problems);
    const job = normalizeJob(
      name,
      withDefaults(value, defaults, inherit),
      inherit.variables,
      problems,
    );
    checkStage(job, stages, problems);
    jobs.push(job);
  }
  if (jobs.length === 0 && problems.isEmpty()) {
    problems.add('jobs config should contain at least one visible job');
  }
  checkDependencies(jobs, stages, problems);
  if (hasNeedsCycle(jobs)) {
    problems.add('The pipeline has circular dependencies');
  }
  return problems.isEmpty() ? { stages, variables, ...workflow, jobs } : undefined;
}
