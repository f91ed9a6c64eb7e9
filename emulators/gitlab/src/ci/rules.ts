import { isMap } from './deep-merge';
import type { ConfigProblems } from './errors';
import { ExpressionSyntaxError } from './expressions/lexer';
import { evaluateExpression } from './expressions/evaluate';
import { parseExpression, type Expression } from './expressions/parser';
import { isGlob, matchesGlob } from './glob';
import { isStringArray, unknownKeys, asText } from './shape';
import { expandText, normalizeVariables, type ValueLookup } from './variables';
import type { YamlVariable } from './types';

/** `when` values a rule may set. */
export type RuleWhen = 'on_success' | 'on_failure' | 'always' | 'never' | 'manual' | 'delayed';

/** One parsed entry of `rules:` (job or workflow). */
export interface Rule {
  readonly ifSource?: string;
  readonly if?: Expression;
  readonly changes?: readonly string[];
  readonly exists?: readonly string[];
  readonly when?: RuleWhen;
  readonly allowFailure?: boolean;
  readonly allowFailureExitCodes?: readonly number[];
  readonly startIn?: string;
  readonly interruptible?: boolean;
  readonly needs?: unknown;
  readonly variables: readonly YamlVariable[];
}

/** What `rules:changes` and `rules:exists` are evaluated against. */
export interface RepoFacts {
  readonly readFile: (path: string) => string | undefined;
  /** All files at the commit, for glob patterns in `exists`; without it globs cannot match. */
  readonly listFiles?: () => readonly string[];
  /** Files changed by the push; `undefined` = unknown, and `changes` then counts as true. */
  readonly changedFiles?: readonly string[];
}

const jobRuleKeys = [
  'if',
  'changes',
  'exists',
  'when',
  'allow_failure',
  'variables',
  'needs',
  'interruptible',
  'start_in',
];
const workflowRuleKeys = ['if', 'changes', 'exists', 'when', 'variables', 'auto_cancel'];
const ruleWhens: readonly RuleWhen[] = [
  'on_success',
  'on_failure',
  'always',
  'never',
  'manual',
  'delayed',
];

function pathList(
  value: unknown,
  key: string,
  location: string,
  problems: ConfigProblems,
): string[] | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (isStringArray(value)) {
    return value;
  }
  if (isMap(value) && isStringArray(value.paths)) {
    const unknown = unknownKeys(
      value,
      key === 'changes' ? ['paths', 'compare_to'] : ['paths', 'project', 'ref'],
    );
    if (unknown.length > 0 || (key === 'exists' && value.project !== undefined)) {
      // TODO(when-a-test-needs-it): exists:project/ref (another project's files) is not modelled.
      problems.add(
        `${location}:${key} config contains keys the emulator does not support: ${Object.keys(value).join(', ')}`,
      );
    }
    return value.paths;
  }
  problems.add(`${location}:${key} config should be an array of strings or a hash with paths`);
  return undefined;
}

function parseIf(
  value: unknown,
  location: string,
  problems: ConfigProblems,
): Expression | undefined {
  if (typeof value !== 'string') {
    problems.add(`${location} if should be a string`);
    return undefined;
  }
  try {
    return parseExpression(value);
  } catch (error) {
    if (!(error instanceof ExpressionSyntaxError)) {
      throw error;
    }
    problems.add(`${location} if invalid expression syntax`);
    return undefined;
  }
}

function parseAllowFailure(
  rule: Record<string, unknown>,
  location: string,
  problems: ConfigProblems,
): Partial<Rule> {
  const value = rule.allow_failure;
  if (value === undefined) {
    return {};
  }
  if (typeof value === 'boolean') {
    return { allowFailure: value };
  }
  if (isMap(value) && value.exit_codes !== undefined) {
    const list = Array.isArray(value.exit_codes)
      ? (value.exit_codes as unknown[])
      : [value.exit_codes];
    if (list.every(code => Number.isInteger(code))) {
      return { allowFailure: false, allowFailureExitCodes: list as number[] };
    }
  }
  problems.add(`${location} allow_failure should be a hash or a boolean value`);
  return {};
}

function parseRule(
  value: unknown,
  location: string,
  workflow: boolean,
  problems: ConfigProblems,
): Rule | undefined {
  if (!isMap(value)) {
    problems.add(`${location} config should be a hash`);
    return undefined;
  }
  const unknown = unknownKeys(value, workflow ? workflowRuleKeys : jobRuleKeys);
  if (unknown.length > 0) {
    problems.add(`${location} config contains unknown keys: ${unknown.join(', ')}`);
  }
  const when = value.when as RuleWhen | undefined;
  const allowed = workflow ? ['always', 'never'] : ruleWhens;
  if (when !== undefined && !allowed.includes(when)) {
    problems.add(`${location} when should be one of: ${allowed.join(', ')}`);
  }
  const rule: Rule = {
    variables: normalizeVariables(value.variables, `${location}:variables`, problems),
    ...(value.if === undefined
      ? {}
      : { ifSource: asText(value.if), if: parseIf(value.if, location, problems) }),
    ...(when === undefined ? {} : { when }),
    ...parseAllowFailure(value, location, problems),
    ...(value.start_in === undefined ? {} : { startIn: asText(value.start_in) }),
    ...(typeof value.interruptible === 'boolean' ? { interruptible: value.interruptible } : {}),
    ...(value.needs === undefined ? {} : { needs: value.needs }),
  };
  const changes = pathList(value.changes, 'changes', location, problems);
  const exists = pathList(value.exists, 'exists', location, problems);
  return { ...rule, ...(changes ? { changes } : {}), ...(exists ? { exists } : {}) };
}

/** Reads a `rules:` list (job rules, or workflow rules when `workflow`), recording problems. */
export function normalizeRules(
  value: unknown,
  location: string,
  problems: ConfigProblems,
  workflow = false,
): Rule[] | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (!Array.isArray(value)) {
    problems.add(`${location} config should be an array of hashes`);
    return undefined;
  }
  if (value.length === 0) {
    problems.add(`${location} config can't be blank`);
    return undefined;
  }
  // Rules may be nested arrays (from `!reference`); GitLab flattens them one level.
  const flat = (value as unknown[]).flat();
  return flat
    .map(item => parseRule(item, `${location}:rule`, workflow, problems))
    .filter((rule): rule is Rule => rule !== undefined);
}

function existsMatches(patterns: readonly string[], repo: RepoFacts, lookup: ValueLookup): boolean {
  const files = repo.listFiles?.();
  return patterns.some(raw => {
    const pattern = expandText(raw, lookup);
    if (!isGlob(pattern)) {
      return repo.readFile(pattern.replace(/^\.?\//, '')) !== undefined;
    }
    return files?.some(file => matchesGlob(file, pattern)) ?? false;
  });
}

function changesMatch(patterns: readonly string[], repo: RepoFacts, lookup: ValueLookup): boolean {
  if (repo.changedFiles === undefined) {
    // GitLab counts `changes` as true when it has no diff to compare (new branch, tag, web, API…).
    return true;
  }
  const changed = repo.changedFiles;
  return patterns.some(raw => changed.some(file => matchesGlob(file, expandText(raw, lookup))));
}

/** `true` when every clause of the rule (`if`, `changes`, `exists`) holds. */
export function ruleMatches(rule: Rule, lookup: ValueLookup, repo: RepoFacts): boolean {
  if (rule.if && !evaluateExpression(rule.if, lookup)) {
    return false;
  }
  if (rule.changes && !changesMatch(rule.changes, repo, lookup)) {
    return false;
  }
  return !(rule.exists && !existsMatches(rule.exists, repo, lookup));
}

/** The first matching rule, or `undefined` when none matches (the job is not added). */
export function firstMatchingRule(
  rules: readonly Rule[],
  lookup: ValueLookup,
  repo: RepoFacts,
): Rule | undefined {
  return rules.find(rule => ruleMatches(rule, lookup, repo));
}
