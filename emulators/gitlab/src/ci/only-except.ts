import { isMap } from './deep-merge';
import type { ConfigProblems } from './errors';
import { ExpressionSyntaxError } from './expressions/lexer';
import { evaluateExpression } from './expressions/evaluate';
import { parseExpression, type Expression } from './expressions/parser';
import { matchesGlob } from './glob';
import { isStringArray, unknownKeys } from './shape';
import type { ValueLookup } from './variables';
import type { PipelineSource } from './types';

/** A parsed `only:` or `except:` policy. */
export interface RefPolicy {
  readonly refs?: readonly string[];
  readonly variables?: readonly Expression[];
  readonly changes?: readonly string[];
  readonly kubernetes?: boolean;
}

/** The pipeline facts an `only`/`except` policy is checked against. */
export interface RefFacts {
  readonly ref: string;
  readonly refType: 'branch' | 'tag';
  readonly source: PipelineSource;
  readonly projectPath: string;
  readonly changedFiles?: readonly string[];
}

/** What a job without `only`, `except` or `rules` gets (GitLab's default). */
export const defaultOnly: RefPolicy = { refs: ['branches', 'tags'] };

const sourceKeywords: Readonly<Record<string, (facts: RefFacts) => boolean>> = {
  branches: facts => facts.refType === 'branch' && facts.source !== 'merge_request_event',
  tags: facts => facts.refType === 'tag',
  api: facts => facts.source === 'api',
  external: () => false,
  pipelines: () => false,
  pushes: facts => facts.source === 'push',
  schedules: facts => facts.source === 'schedule',
  triggers: facts => facts.source === 'trigger',
  web: facts => facts.source === 'web',
  merge_requests: facts => facts.source === 'merge_request_event',
  chat: () => false,
  external_pull_requests: () => false,
};

function parseExpressions(
  value: unknown,
  location: string,
  problems: ConfigProblems,
): Expression[] | undefined {
  if (!isStringArray(value)) {
    problems.add(`${location} variables should be an array of strings`);
    return undefined;
  }
  const list: Expression[] = [];
  for (const text of value) {
    try {
      list.push(parseExpression(text));
    } catch (error) {
      if (!(error instanceof ExpressionSyntaxError)) {
        throw error;
      }
      problems.add(`${location}:variables config should be valid expressions`);
    }
  }
  return list;
}

/** Reads `only:`/`except:` (a list of refs or a hash of refs, variables, changes, kubernetes). */
export function normalizeRefPolicy(
  value: unknown,
  location: string,
  problems: ConfigProblems,
): RefPolicy | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value === 'string' || isStringArray(value)) {
    return { refs: typeof value === 'string' ? [value] : value };
  }
  if (!isMap(value)) {
    problems.add(`${location} config should be an array of strings or a hash`);
    return undefined;
  }
  const unknown = unknownKeys(value, ['refs', 'variables', 'changes', 'kubernetes']);
  if (unknown.length > 0) {
    problems.add(`${location} config contains unknown keys: ${unknown.join(', ')}`);
  }
  const policy: { -readonly [K in keyof RefPolicy]: RefPolicy[K] } = {};
  if (value.refs !== undefined) {
    if (isStringArray(value.refs)) {
      policy.refs = value.refs;
    } else {
      problems.add(`${location} refs should be an array of strings`);
    }
  }
  if (value.variables !== undefined) {
    policy.variables = parseExpressions(value.variables, location, problems);
  }
  if (value.changes !== undefined) {
    if (isStringArray(value.changes)) {
      policy.changes = value.changes;
    } else {
      problems.add(`${location} changes should be an array of strings`);
    }
  }
  if (value.kubernetes !== undefined) {
    if (value.kubernetes === 'active') {
      policy.kubernetes = true;
    } else {
      problems.add(`${location} kubernetes should be active`);
    }
  }
  return policy;
}

function refMatches(pattern: string, facts: RefFacts): boolean {
  let refPattern = pattern;
  const at = pattern.lastIndexOf('@');
  if (at > 0 && !pattern.startsWith('/')) {
    // `main@group/project` restricts the ref to one project (for forks).
    if (pattern.slice(at + 1) !== facts.projectPath) {
      return false;
    }
    refPattern = pattern.slice(0, at);
  }
  const keyword = sourceKeywords[refPattern];
  if (keyword) {
    return keyword(facts);
  }
  const regex = /^\/(.+)\/([a-z]*)$/s.exec(refPattern);
  if (regex) {
    try {
      return new RegExp(regex[1] ?? '', (regex[2] ?? '').replace(/[^ims]/g, '')).test(facts.ref);
    } catch {
      return false;
    }
  }
  return refPattern === facts.ref;
}

/**
 * `true` when every clause of the policy holds: any listed ref, any variables expression, any
 * changed path (true without diff information), and kubernetes (never active here).
 */
export function policyMatches(policy: RefPolicy, facts: RefFacts, lookup: ValueLookup): boolean {
  if (policy.refs && !policy.refs.some(ref => refMatches(ref, facts))) {
    return false;
  }
  if (
    policy.variables &&
    !policy.variables.some(expression => evaluateExpression(expression, lookup))
  ) {
    return false;
  }
  if (policy.changes && facts.changedFiles !== undefined) {
    const changed = facts.changedFiles;
    if (!policy.changes.some(pattern => changed.some(file => matchesGlob(file, pattern)))) {
      return false;
    }
  }
  return policy.kubernetes !== true;
}

/** `true` when a job with these `only`/`except` policies belongs in the pipeline. */
export function onlyExceptAllows(
  only: RefPolicy | undefined,
  except: RefPolicy | undefined,
  facts: RefFacts,
  lookup: ValueLookup,
): boolean {
  // An `only` without refs still gets the default refs (branches, tags), as in GitLab.
  const effectiveOnly = only ?? defaultOnly;
  const withRefs = effectiveOnly.refs
    ? effectiveOnly
    : { ...effectiveOnly, refs: defaultOnly.refs };
  if (!policyMatches(withRefs, facts, lookup)) {
    return false;
  }
  return !(except && policyMatches(except, facts, lookup));
}
