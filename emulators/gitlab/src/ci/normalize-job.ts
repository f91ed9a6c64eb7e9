import { normalizeArtifacts } from './artifacts';
import { normalizeCache } from './cache';
import { isMap, type YamlMap } from './deep-merge';
import { parseDurationSeconds } from './durations';
import { normalizeEnvironment } from './environment';
import type { ConfigProblems } from './errors';
import { normalizeImage, normalizeServices } from './image';
import { jobWhenValues, supportedJobKeys, unsupportedJobKeys } from './job-keys';
import { normalizeNeeds } from './needs';
import { normalizeRefPolicy, type RefPolicy } from './only-except';
import { normalizeParallel, type ParallelSpec } from './parallel';
import { normalizeRetry } from './retry';
import { normalizeRules, type Rule } from './rules';
import { flattenScript, scriptProblem } from './script';
import { intOrList, isStringArray, asText } from './shape';
import type {
  ArtifactEntry,
  CacheSpec,
  EnvironmentSpec,
  ImageSpec,
  JobWhen,
  NeedSpec,
  RetrySpec,
  YamlVariable,
} from './types';
import { normalizeVariables } from './variables';

/** Which global variables a job inherits (`inherit:variables`). */
export type InheritList = boolean | readonly string[];

/** A job as the YAML defines it, validated, before rules and `parallel` are applied. */
export interface JobDefinition {
  readonly name: string;
  readonly stage: string;
  readonly beforeScript: readonly string[];
  readonly script: readonly string[];
  readonly afterScript: readonly string[];
  readonly preGetSourcesScript?: readonly string[];
  readonly variables: readonly YamlVariable[];
  readonly inheritVariables: InheritList;
  readonly when?: JobWhen;
  readonly startIn?: string;
  readonly allowFailure?: boolean;
  readonly allowFailureExitCodes?: readonly number[];
  readonly needs?: readonly NeedSpec[];
  readonly dependencies?: readonly string[];
  readonly artifacts: readonly ArtifactEntry[];
  readonly cache: readonly CacheSpec[];
  readonly image?: ImageSpec;
  readonly services: readonly ImageSpec[];
  readonly timeoutSeconds?: number;
  readonly retry: RetrySpec;
  readonly tags: readonly string[];
  readonly coverage?: string;
  readonly resourceGroup?: string;
  readonly environment?: EnvironmentSpec;
  readonly interruptible: boolean;
  readonly rules?: readonly Rule[];
  readonly only?: RefPolicy;
  readonly except?: RefPolicy;
  readonly parallel?: ParallelSpec;
}

// GitLab's limit on tags per job.
const maxTagCount = 50;

function readScript(value: unknown, location: string, problems: ConfigProblems): string[] {
  if (value === undefined || value === null) {
    return [];
  }
  const lines = flattenScript(value);
  if (!lines) {
    problems.add(scriptProblem(location));
    return [];
  }
  return lines;
}

function readWhen(
  job: YamlMap,
  at: string,
  problems: ConfigProblems,
): Pick<JobDefinition, 'when' | 'startIn'> {
  const when = job.when as JobWhen | undefined;
  if (when !== undefined && !(jobWhenValues as readonly unknown[]).includes(when)) {
    problems.add(`${at} when should be one of: ${jobWhenValues.join(', ')}`);
    return {};
  }
  const startIn = job.start_in === undefined ? undefined : asText(job.start_in);
  if (when === 'delayed' && startIn === undefined && job.rules === undefined) {
    problems.add(`${at} start in can't be blank`);
  }
  if (startIn !== undefined && when !== 'delayed') {
    problems.add(`${at} start in must be blank`);
  }
  if (startIn !== undefined && parseDurationSeconds(startIn) === undefined) {
    problems.add(`${at} start in should be a duration`);
  }
  return { ...(when === undefined ? {} : { when }), ...(startIn === undefined ? {} : { startIn }) };
}

function readAllowFailure(
  value: unknown,
  at: string,
  problems: ConfigProblems,
): Pick<JobDefinition, 'allowFailure' | 'allowFailureExitCodes'> {
  if (value === undefined) {
    return {};
  }
  if (typeof value === 'boolean') {
    return { allowFailure: value };
  }
  const codes =
    isMap(value) && Object.keys(value).length === 1 ? intOrList(value.exit_codes) : undefined;
  if (!codes) {
    problems.add(`${at}:allow_failure config should be a hash or a boolean value`);
    return {};
  }
  // With exit codes, the job counts as not allowed to fail unless its exit code is listed.
  return { allowFailure: false, allowFailureExitCodes: codes };
}

function readInherit(
  value: unknown,
  at: string,
  problems: ConfigProblems,
): { defaults: InheritList; variables: InheritList } {
  if (value === undefined) {
    return { defaults: true, variables: true };
  }
  const valid = (item: unknown): item is InheritList =>
    typeof item === 'boolean' || isStringArray(item);
  if (!isMap(value) || Object.keys(value).some(key => key !== 'default' && key !== 'variables')) {
    problems.add(`${at}:inherit config contains unknown keys`);
    return { defaults: true, variables: true };
  }
  const defaults = value.default ?? true;
  const variables = value.variables ?? true;
  if (!valid(defaults) || !valid(variables)) {
    problems.add(`${at}:inherit config should be a boolean value or an array of strings`);
    return { defaults: true, variables: true };
  }
  return { defaults, variables };
}

/** `true` when the inherit setting lets `key` through. */
export function inherits(setting: InheritList, key: string): boolean {
  return typeof setting === 'boolean' ? setting : setting.includes(key);
}

function checkKeys(job: YamlMap, at: string, problems: ConfigProblems): void {
  const unknown = Object.keys(job).filter(
    key =>
      !(supportedJobKeys as readonly string[]).includes(key) &&
      !(unsupportedJobKeys as readonly string[]).includes(key),
  );
  if (unknown.length > 0) {
    problems.add(`${at} config contains unknown keys: ${unknown.join(', ')}`);
  }
  for (const key of unsupportedJobKeys) {
    if (key in job) {
      problems.add(`${at} uses \`${key}\`, which the emulator does not support`);
    }
  }
  if (job.rules !== undefined) {
    const clashing = ['only', 'except', 'when', 'start_in'].filter(key => job[key] !== undefined);
    if (clashing.length > 0) {
      problems.add(`${at} config key may not be used with \`rules\`: ${clashing.join(', ')}`);
    }
  }
  if (job.script === undefined && !('trigger' in job) && !('run' in job)) {
    problems.add(`${at} config should implement the script:, run:, or trigger: keyword`);
  }
}

function readSimpleKeys(
  job: YamlMap,
  at: string,
  problems: ConfigProblems,
): Partial<JobDefinition> {
  const out: { -readonly [K in keyof JobDefinition]?: JobDefinition[K] } = {};
  if (job.tags !== undefined && job.tags !== null) {
    if (!isStringArray(job.tags)) {
      problems.add(`${at}:tags config should be an array of strings`);
    } else if (job.tags.length > maxTagCount) {
      problems.add(`${at}:tags config must be less than the limit of ${maxTagCount} tags`);
    } else {
      out.tags = job.tags;
    }
  }
  if (job.timeout !== undefined) {
    const seconds = parseDurationSeconds(job.timeout as string);
    if (seconds === undefined) {
      problems.add(`${at}:timeout config should be a duration`);
    } else {
      out.timeoutSeconds = seconds;
    }
  }
  if (job.coverage !== undefined) {
    if (typeof job.coverage === 'string' && /^\/.+\/[a-z]*$/s.test(job.coverage)) {
      out.coverage = job.coverage;
    } else {
      problems.add(`${at}:coverage config must be a regular expression`);
    }
  }
  if (job.dependencies !== undefined) {
    if (isStringArray(job.dependencies)) {
      out.dependencies = job.dependencies;
    } else {
      problems.add(`${at} dependencies should be an array of strings`);
    }
  }
  if (job.interruptible !== undefined) {
    if (typeof job.interruptible === 'boolean') {
      out.interruptible = job.interruptible;
    } else {
      problems.add(`${at}:interruptible config should be a boolean value`);
    }
  }
  if (job.resource_group !== undefined) {
    if (typeof job.resource_group === 'string') {
      out.resourceGroup = job.resource_group;
    } else {
      problems.add(`${at} resource group should be a string`);
    }
  }
  if (job.stage !== undefined && typeof job.stage !== 'string') {
    problems.add(`${at}:stage config should be a string`);
  }
  if (job.hooks !== undefined) {
    const hooks = job.hooks;
    if (!isMap(hooks) || Object.keys(hooks).some(key => key !== 'pre_get_sources_script')) {
      problems.add(`${at}:hooks config contains unknown keys`);
    } else {
      out.preGetSourcesScript = readScript(
        hooks.pre_get_sources_script,
        `${at}:hooks:pre_get_sources_script`,
        problems,
      );
    }
  }
  return out;
}

/**
 * Validates one job (after extends, references and defaults) and reads it into a definition.
 * `job` must already have `default:` merged in; problems are recorded as `jobs:<name>...`.
 */
export function normalizeJob(
  name: string,
  job: YamlMap,
  inheritVariables: InheritList,
  problems: ConfigProblems,
): JobDefinition {
  const at = `jobs:${name}`;
  checkKeys(job, at, problems);
  const simple = readSimpleKeys(job, at, problems);
  const rules = normalizeRules(job.rules, `${at}:rules`, problems);
  const only = normalizeRefPolicy(job.only, `${at}:only`, problems);
  const except = normalizeRefPolicy(job.except, `${at}:except`, problems);
  const parallel = normalizeParallel(job.parallel, `${at}:parallel`, problems);
  const needs = normalizeNeeds(job.needs, `${at}:needs`, problems);
  const image = normalizeImage(job.image, `${at}:image`, problems);
  const environment = normalizeEnvironment(job.environment, `${at}:environment`, problems);
  return {
    name,
    stage: typeof job.stage === 'string' ? job.stage : 'test',
    beforeScript: readScript(job.before_script, `${at}:before_script`, problems),
    script: readScript(job.script, `${at}:script`, problems),
    afterScript: readScript(job.after_script, `${at}:after_script`, problems),
    variables: normalizeVariables(job.variables, `${at}:variables`, problems),
    inheritVariables,
    ...readWhen(job, at, problems),
    ...readAllowFailure(job.allow_failure, at, problems),
    artifacts: normalizeArtifacts(job.artifacts, `${at}:artifacts`, problems),
    cache: normalizeCache(job.cache, `${at}:cache`, problems),
    services: normalizeServices(job.services, `${at}:services`, problems),
    retry: normalizeRetry(job.retry, `${at}:retry`, problems),
    tags: [],
    interruptible: false,
    ...simple,
    ...(needs ? { needs } : {}),
    ...(image ? { image } : {}),
    ...(environment ? { environment } : {}),
    ...(rules ? { rules } : {}),
    ...(only ? { only } : {}),
    ...(except ? { except } : {}),
    ...(parallel ? { parallel } : {}),
  };
}

/** Reads `inherit:` of a raw job: which `default:` keys and global variables it takes. */
export function readJobInherit(
  job: YamlMap,
  name: string,
  problems: ConfigProblems,
): { defaults: InheritList; variables: InheritList } {
  return readInherit(job.inherit, `jobs:${name}`, problems);
}
