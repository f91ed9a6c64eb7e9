import { deepMerge, isMap, type YamlMap } from './deep-merge';
import type { ConfigProblems } from './errors';
import { matchesGlob } from './glob';
import { parseCiYaml } from './parse-yaml';
import { firstMatchingRule, normalizeRules, type RepoFacts } from './rules';
import type { ValueLookup } from './variables';

/** Reads a file of the repository at the pipeline's commit; `undefined` when it does not exist. */
export type RepoFileReader = (path: string) => string | undefined;

// GitLab's limit on the number of included files per pipeline (`ci_max_includes` default).
const maxIncludeCount = 150;

/** What `include:rules` are evaluated with: pre-pipeline variables and the repository. */
export interface IncludeContext {
  readonly lookup: ValueLookup;
  readonly repo: RepoFacts;
}

interface IncludeState {
  readonly readFile: RepoFileReader;
  readonly context: IncludeContext | undefined;
  readonly problems: ConfigProblems;
  readonly seen: Set<string>;
  count: number;
}

/**
 * Loads `.gitlab-ci.yml` and its `include: local` files into one mapping (included files first,
 * the including file's keys deep-merged over them), or records problems and returns `undefined`.
 */
export function loadConfig(
  readFile: RepoFileReader,
  problems: ConfigProblems,
  context?: IncludeContext,
  configPath = '.gitlab-ci.yml',
): YamlMap | undefined {
  const source = readFile(configPath);
  if (source === undefined) {
    problems.add('Missing CI config file');
    return undefined;
  }
  if (source.trim() === '') {
    problems.add('Please provide content of .gitlab-ci.yml');
    return undefined;
  }
  const parsed = parseCiYaml(source);
  if (!parsed.ok) {
    problems.add(parsed.message);
    return undefined;
  }
  if (!isMap(parsed.value)) {
    problems.add('Invalid configuration format');
    return undefined;
  }
  const state: IncludeState = {
    readFile,
    context,
    problems,
    seen: new Set([configPath]),
    count: 0,
  };
  const merged = expandIncludes(parsed.value, state);
  return problems.isEmpty() ? merged : undefined;
}

function expandIncludes(config: YamlMap, state: IncludeState): YamlMap {
  if (!('include' in config)) {
    return config;
  }
  const { include, ...rest } = config;
  let base: YamlMap = {};
  for (const path of includePaths(include, state).flatMap(entry => expandWildcard(entry, state))) {
    const included = loadIncluded(path, state);
    if (included) {
      base = deepMerge(base, included);
    }
  }
  return deepMerge(base, rest);
}

function includeApplies(entry: YamlMap, state: IncludeState): boolean {
  if (entry.rules === undefined) {
    return true;
  }
  const rules = normalizeRules(entry.rules, 'include:rules', state.problems, true);
  if (!rules || !state.context) {
    return false;
  }
  const rule = firstMatchingRule(rules, state.context.lookup, state.context.repo);
  return rule !== undefined && rule.when !== 'never';
}

function includePaths(include: unknown, state: IncludeState): string[] {
  const { problems } = state;
  const entries = Array.isArray(include) ? (include as unknown[]) : [include];
  const paths: string[] = [];
  for (const entry of entries) {
    if (typeof entry === 'string') {
      if (/^https?:\/\//.test(entry)) {
        problems.add(
          `Remote file \`${entry}\` could not be fetched: the emulator only supports include:local`,
        );
      } else {
        paths.push(entry);
      }
    } else if (isMap(entry) && typeof entry.local === 'string') {
      const others = Object.keys(entry).filter(key => key !== 'local' && key !== 'rules');
      if (others.length > 0) {
        // TODO(when-a-test-needs-it): include:inputs (and other include options) are not modelled by the emulator.
        problems.add(
          `include config contains unsupported keys for the emulator: ${others.join(', ')}`,
        );
      }
      if (!includeApplies(entry, state)) {
        continue;
      }
      paths.push(entry.local);
    } else if (isMap(entry)) {
      const kind = Object.keys(entry).join(', ');
      problems.add(`Included file kind \`${kind}\` is not supported by the emulator (only local)`);
    } else {
      problems.add(
        'Unknown include config: should be a string, an array or a hash with a local: key',
      );
    }
  }
  return paths;
}

// A wildcard include (`ci/*.yml`, `ci/**.yml`) stands for every matching file, in path order.
function expandWildcard(rawPath: string, state: IncludeState): string[] {
  if (!rawPath.includes('*')) {
    return [rawPath];
  }
  const listFiles = state.context?.repo.listFiles;
  if (!listFiles) {
    state.problems.add(
      `Local file \`${rawPath}\`: wildcard includes need the repository's file list`,
    );
    return [];
  }
  const pattern = rawPath.replace(/^\/+/, '').replace(/(^|[^*])\*\*(?!\/)/g, '$1**/*');
  const matches = listFiles()
    .filter(file => matchesGlob(file, pattern))
    .sort();
  if (matches.length === 0) {
    state.problems.add(`Included file \`${rawPath}\` does not exist!`);
  }
  return matches;
}

function loadIncluded(rawPath: string, state: IncludeState): YamlMap | undefined {
  const path = rawPath.replace(/^\/+/, '');
  if (!/\.ya?ml$/.test(path)) {
    state.problems.add(`Included file \`${rawPath}\` does not have YAML extension!`);
    return undefined;
  }
  if (state.seen.has(path)) {
    return undefined;
  }
  state.seen.add(path);
  state.count += 1;
  if (state.count > maxIncludeCount) {
    state.problems.add(`Maximum of ${maxIncludeCount} nested includes are allowed!`);
    return undefined;
  }
  const source = state.readFile(path);
  if (source === undefined) {
    state.problems.add(`Local file \`${rawPath}\` does not exist!`);
    return undefined;
  }
  const parsed = parseCiYaml(source);
  if (!parsed.ok || !isMap(parsed.value)) {
    state.problems.add(`Included file \`${rawPath}\` does not have valid YAML syntax!`);
    return undefined;
  }
  return expandIncludes(parsed.value, state);
}
