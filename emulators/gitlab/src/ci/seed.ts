import { resolveCacheKey } from './cache-key';
import type { CompiledConfig } from './compile-config';
import { parseDurationSeconds } from './durations';
import { inherits, type JobDefinition } from './normalize-job';
import { onlyExceptAllows, type RefFacts } from './only-except';
import { expandParallel, type ParallelInstance } from './parallel';
import { jobRulesVariables } from './predefined';
import { firstMatchingRule, type RepoFacts } from './rules';
import { normalizeNeeds } from './needs';
import { ConfigProblems } from './errors';
import type {
  JobSpec,
  JobWhen,
  NeedSpec,
  PipelineVariable,
  ProjectVariable,
  YamlVariable,
} from './types';
import {
  expandAll,
  expandText,
  layerVariables,
  pipelinePayloadVariables,
  projectPayloadVariables,
  yamlPayloadVariables,
  type PayloadVariable,
  type ValueLookup,
} from './variables';

/** What jobs are seeded with: the pipeline's facts and the variables around the YAML. */
export interface SeedContext {
  readonly predefined: readonly PayloadVariable[];
  readonly projectVariables: readonly ProjectVariable[];
  readonly pipelineVariables: readonly PipelineVariable[];
  readonly repo: RepoFacts;
  readonly refFacts: RefFacts;
  readonly protectedRef: boolean;
  readonly defaultTimeoutSeconds: number;
}

/** The seeded pipeline: its jobs in creation order, or why GitLab would not create it. */
export type SeedResult =
  | { ok: true; jobs: JobSpec[]; globalVariables: YamlVariable[]; pipelineName?: string }
  | { ok: false; errors: string[] };

/** Builds a lookup over variable layers in rising precedence, with values fully expanded. */
export function layeredLookup(layers: readonly (readonly PayloadVariable[])[]): ValueLookup {
  const expanded = expandAll(layerVariables(layers));
  return name => expanded.get(name);
}

function jobLookup(
  context: SeedContext,
  stage: string,
  name: string,
  yaml: readonly YamlVariable[],
): ValueLookup {
  // GitLab's precedence, lowest first: predefined, YAML (global then job), project, pipeline.
  return layeredLookup([
    context.predefined,
    jobRulesVariables(name, stage),
    yamlPayloadVariables(yaml),
    projectPayloadVariables(context.projectVariables),
    pipelinePayloadVariables(context.pipelineVariables),
  ]);
}

function applyWorkflow(
  config: CompiledConfig,
  context: SeedContext,
): { globals: YamlVariable[]; name?: string } | string {
  let globals = [...config.variables];
  if (config.workflowRules) {
    const lookup = jobLookup(context, '', '', globals);
    const rule = firstMatchingRule(config.workflowRules, lookup, context.repo);
    if (!rule || rule.when === 'never') {
      return 'Pipeline filtered out by workflow rules.';
    }
    globals = mergeYaml(globals, rule.variables);
  }
  if (config.workflowName === undefined) {
    return { globals };
  }
  const lookup = jobLookup(context, '', '', globals);
  return { globals, name: expandText(config.workflowName, lookup) };
}

function mergeYaml(
  base: readonly YamlVariable[],
  override: readonly YamlVariable[],
): YamlVariable[] {
  const keys = new Set(override.map(variable => variable.key));
  return [...base.filter(variable => !keys.has(variable.key)), ...override];
}

interface Decision {
  readonly when: JobWhen;
  readonly allowFailure: boolean;
  readonly allowFailureExitCodes?: readonly number[];
  readonly startIn?: string;
  readonly variables: readonly YamlVariable[];
  readonly needs?: readonly NeedSpec[];
  readonly interruptible: boolean;
}

function decide(
  job: JobDefinition,
  yaml: readonly YamlVariable[],
  lookup: ValueLookup,
  context: SeedContext,
  problems: ConfigProblems,
): Decision | undefined {
  const base = {
    needs: job.needs,
    interruptible: job.interruptible,
    allowFailureExitCodes: job.allowFailureExitCodes,
  };
  if (job.rules) {
    const rule = firstMatchingRule(job.rules, lookup, context.repo);
    if (!rule || rule.when === 'never') {
      return undefined;
    }
    const when = rule.when ?? 'on_success';
    const needs =
      rule.needs === undefined
        ? job.needs
        : normalizeNeeds(rule.needs, `jobs:${job.name}:rules:needs`, problems);
    return {
      ...base,
      when,
      // With rules, a manual job blocks the pipeline unless the rule allows it to fail.
      allowFailure: rule.allowFailure ?? job.allowFailure ?? false,
      ...(rule.allowFailureExitCodes ? { allowFailureExitCodes: rule.allowFailureExitCodes } : {}),
      ...(rule.startIn === undefined ? {} : { startIn: rule.startIn }),
      variables: mergeYaml(yaml, rule.variables),
      needs,
      interruptible: rule.interruptible ?? job.interruptible,
    };
  }
  if (!onlyExceptAllows(job.only, job.except, context.refFacts, lookup)) {
    return undefined;
  }
  const when = job.when ?? 'on_success';
  return {
    ...base,
    when,
    // Outside rules, a manual job is allowed to fail by default so it does not block the pipeline.
    allowFailure: job.allowFailure ?? when === 'manual',
    ...(job.startIn === undefined ? {} : { startIn: job.startIn }),
    variables: yaml,
  };
}

function seedInstance(
  job: JobDefinition,
  instance: ParallelInstance | undefined,
  globals: readonly YamlVariable[],
  stageIndex: number,
  context: SeedContext,
  problems: ConfigProblems,
): JobSpec | undefined {
  const name = instance?.name ?? job.name;
  const inherited = globals.filter(variable => inherits(job.inheritVariables, variable.key));
  const matrix = Object.entries(instance?.matrixValues ?? {}).map(([key, value]) => ({
    key,
    value,
    raw: false,
  }));
  const yaml = mergeYaml(mergeYaml(inherited, job.variables), matrix);
  const decision = decide(job, yaml, jobLookup(context, job.stage, name, yaml), context, problems);
  if (!decision) {
    return undefined;
  }
  const lookup = jobLookup(context, job.stage, name, decision.variables);
  const startInSeconds =
    decision.startIn === undefined ? undefined : parseDurationSeconds(decision.startIn);
  const expandOptional = (text: string | undefined): string | undefined =>
    text === undefined ? undefined : expandText(text, lookup);
  const resourceGroup = expandOptional(job.resourceGroup);
  return {
    name,
    baseName: job.name,
    stage: job.stage,
    stageIndex,
    beforeScript: job.beforeScript,
    script: job.script,
    afterScript: job.afterScript,
    ...(job.preGetSourcesScript ? { preGetSourcesScript: job.preGetSourcesScript } : {}),
    variables: decision.variables,
    when: decision.when,
    ...(startInSeconds === undefined ? {} : { startInSeconds }),
    allowFailure: decision.allowFailure,
    ...(decision.allowFailureExitCodes
      ? { allowFailureExitCodes: decision.allowFailureExitCodes }
      : {}),
    ...(decision.needs ? { needs: decision.needs } : {}),
    ...(job.dependencies ? { dependencies: job.dependencies } : {}),
    artifacts: job.artifacts,
    cache: job.cache.map(cache =>
      resolveCacheKey(cache, {
        lookup,
        readFile: context.repo.readFile,
        protectedRef: context.protectedRef,
      }),
    ),
    ...(job.image ? { image: job.image } : {}),
    services: job.services,
    timeoutSeconds: job.timeoutSeconds ?? context.defaultTimeoutSeconds,
    retry: job.retry,
    tags: job.tags.map(tag => expandText(tag, lookup)).filter(tag => tag !== ''),
    ...(job.coverage === undefined ? {} : { coverage: job.coverage }),
    ...(resourceGroup ? { resourceGroup } : {}),
    ...(job.environment
      ? {
          environment: {
            ...job.environment,
            name: expandText(job.environment.name, lookup),
            ...(job.environment.url === undefined
              ? {}
              : { url: expandText(job.environment.url, lookup) }),
          },
        }
      : {}),
    interruptible: decision.interruptible,
    ...(instance ? { nodeIndex: instance.nodeIndex, nodeTotal: instance.nodeTotal } : {}),
    ...(instance?.matrixValues ? { matrixValues: instance.matrixValues } : {}),
  };
}

function checkNeeds(jobs: readonly JobSpec[], problems: ConfigProblems): JobSpec[] {
  const present = new Set(jobs.map(job => job.baseName));
  return jobs.map(job => {
    if (!job.needs) {
      return job;
    }
    const needs = job.needs.filter(need => {
      if (present.has(need.job)) {
        return true;
      }
      if (!need.optional) {
        problems.add(
          `'${job.name}' job needs '${need.job}' job, but '${need.job}' does not exist in the pipeline. ` +
            'This might be because of the only, except, or rules keywords. ' +
            'To need a job that sometimes does not exist in the pipeline, use needs:optional.',
        );
      }
      return false;
    });
    return { ...job, needs };
  });
}

/**
 * Applies workflow rules, job rules, only/except and parallel to a compiled config, giving the
 * jobs GitLab would create (ordered by stage, then as written) or the reason it would not.
 */
export function seedJobs(config: CompiledConfig, context: SeedContext): SeedResult {
  const workflow = applyWorkflow(config, context);
  if (typeof workflow === 'string') {
    return { ok: false, errors: [workflow] };
  }
  const problems = new ConfigProblems();
  const seeded: JobSpec[] = [];
  config.stages.forEach((stage, stageIndex) => {
    for (const job of config.jobs.filter(candidate => candidate.stage === stage)) {
      const instances = expandParallel(job.name, job.parallel) ?? [undefined];
      for (const instance of instances) {
        const spec = seedInstance(job, instance, workflow.globals, stageIndex, context, problems);
        if (spec) {
          seeded.push(spec);
        }
      }
    }
  });
  if (seeded.length === 0) {
    return {
      ok: false,
      errors: [
        'Pipeline will not run for the selected trigger. The rules configuration prevented any jobs from being added to the pipeline.',
      ],
    };
  }
  if (seeded.every(job => job.stage === '.pre' || job.stage === '.post')) {
    // GitLab does not run a pipeline made only of `.pre`/`.post` jobs.
    return { ok: false, errors: ['No stages / jobs for this pipeline.'] };
  }
  const jobs = checkNeeds(seeded, problems);
  if (!problems.isEmpty()) {
    return { ok: false, errors: problems.list() };
  }
  return {
    ok: true,
    jobs,
    globalVariables: workflow.globals,
    ...(workflow.name === undefined ? {} : { pipelineName: workflow.name }),
  };
}
