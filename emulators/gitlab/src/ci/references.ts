import { isMap, type YamlMap } from './deep-merge';
import type { ConfigProblems } from './errors';
import { YamlReference } from './yaml-reference';

// GitLab's `Config::Yaml::Tags::Resolver::MAX_NESTING_LEVELS`.
const maxNestingLevels = 10;

class ReferenceError extends Error {
  override readonly name = 'ReferenceError';
  readonly code = 'reference_invalid';
  readonly retryable = false;
}

/**
 * Replaces every `!reference [key, subkey, ...]` with the value it points to in the config
 * (after `extends`, as GitLab does); a reference may point at values that hold references.
 */
export function resolveReferences(config: YamlMap, problems: ConfigProblems): YamlMap {
  const lookup = (ref: YamlReference, depth: number): unknown => {
    if (depth > maxNestingLevels) {
      throw new ReferenceError(`${ref.toString()} is part of a circular chain or nested too deep`);
    }
    let current: unknown = config;
    for (const part of ref.path) {
      if (typeof part !== 'string' || !isMap(current) || !(part in current)) {
        throw new ReferenceError(`${ref.toString()} could not be found`);
      }
      current = current[part];
    }
    return walk(current, depth + 1);
  };

  const walk = (value: unknown, depth: number): unknown => {
    if (value instanceof YamlReference) {
      return lookup(value, depth);
    }
    if (Array.isArray(value)) {
      return value.map(item => walk(item, depth));
    }
    if (isMap(value)) {
      const out: YamlMap = {};
      for (const [key, item] of Object.entries(value)) {
        out[key] = walk(item, depth);
      }
      return out;
    }
    return value;
  };

  try {
    return walk(config, 0) as YamlMap;
  } catch (error) {
    if (!(error instanceof ReferenceError)) {
      throw error;
    }
    problems.add(error.message);
    return config;
  }
}
