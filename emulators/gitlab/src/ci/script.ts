/** `script`, `before_script` and `after_script`: a string or nested arrays of strings. */

// GitLab's limit for nested script arrays (e.g. from `!reference` inside a list).
const maxNestingLevels = 10;

/** Flattens a script value into its lines, or returns `undefined` when GitLab would reject it. */
export function flattenScript(value: unknown): string[] | undefined {
  if (typeof value === 'string') {
    return [value];
  }
  if (!Array.isArray(value)) {
    return undefined;
  }
  const lines: string[] = [];
  const visit = (items: readonly unknown[], level: number): boolean => {
    if (level > maxNestingLevels) {
      return false;
    }
    for (const item of items) {
      if (typeof item === 'string') {
        lines.push(item);
      } else if (Array.isArray(item)) {
        if (!visit(item, level + 1)) {
          return false;
        }
      } else {
        return false;
      }
    }
    return true;
  };
  return visit(value, 1) ? lines : undefined;
}

/** The message GitLab gives for an invalid script at `location` (e.g. `jobs:build:script`). */
export function scriptProblem(location: string): string {
  return `${location} config should be a string or a nested array of strings up to ${maxNestingLevels} levels deep`;
}
