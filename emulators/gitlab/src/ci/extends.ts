import { deepMerge, isMap, type YamlMap } from './deep-merge';
import type { ConfigProblems } from './errors';

// GitLab's `Config::Extendable::Entry::MAX_NESTING_LEVELS`.
const maxNestingLevels = 10;

class ExtendsError extends Error {
  override readonly name = 'ExtendsError';
  readonly code = 'extends_invalid';
  readonly retryable = false;
}

function parentNames(key: string, value: unknown): string[] {
  if (typeof value === 'string') {
    return [value];
  }
  if (Array.isArray(value) && value.every(item => typeof item === 'string')) {
    return value;
  }
  throw new ExtendsError(`jobs:${key} extends should be an array of strings or a string`);
}

/**
 * Resolves `extends` in every top-level entry: parents are deep-merged in order (later ones win),
 * the entry's own keys win over all parents, and arrays replace rather than concatenate.
 */
export function resolveExtends(config: YamlMap, problems: ConfigProblems): YamlMap {
  // Each resolved entry with the depth of its `extends` chain, so cached parents still count.
  const resolved = new Map<string, { value: YamlMap; depth: number }>();

  const resolve = (key: string, chain: readonly string[]): { value: YamlMap; depth: number } => {
    const cached = resolved.get(key);
    if (cached) {
      return cached;
    }
    const entry = config[key] as YamlMap;
    if (!('extends' in entry)) {
      return { value: entry, depth: 0 };
    }
    if (chain.includes(key)) {
      throw new ExtendsError(`${chain[0] ?? key}: circular dependency detected in \`extends\``);
    }
    const { extends: extendsValue, ...own } = entry;
    const parents = parentNames(key, extendsValue);
    const unknown = parents.filter(name => !(name in config));
    if (unknown.length > 0) {
      throw new ExtendsError(`${key}: unknown keys in \`extends\` (${unknown.join(', ')})`);
    }
    let base: YamlMap = {};
    let depth = 0;
    for (const parent of parents) {
      if (!isMap(config[parent])) {
        throw new ExtendsError(`${key}: invalid base hash in \`extends\``);
      }
      const resolvedParent = resolve(parent, [...chain, key]);
      base = deepMerge(base, resolvedParent.value);
      depth = Math.max(depth, resolvedParent.depth + 1);
    }
    if (depth > maxNestingLevels) {
      throw new ExtendsError(`${chain[0] ?? key}: nesting too deep in \`extends\``);
    }
    const result = { value: deepMerge(base, own), depth };
    resolved.set(key, result);
    return result;
  };

  const output: YamlMap = {};
  for (const [key, value] of Object.entries(config)) {
    if (!isMap(value) || !('extends' in value)) {
      output[key] = value;
      continue;
    }
    try {
      output[key] = resolve(key, []).value;
    } catch (error) {
      if (!(error instanceof ExtendsError)) {
        throw error;
      }
      problems.add(error.message);
      output[key] = value;
    }
  }
  return output;
}
