/** Deep merge as GitLab applies it for `extends` and `include`: hashes merge, anything else replaces. */

/** A parsed YAML mapping. */
export type YamlMap = Record<string, unknown>;

/** `true` for a plain mapping (not an array, a `!reference` marker or a scalar). */
export function isMap(value: unknown): value is YamlMap {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}

/** Returns `base` with `override` merged in; neither input is modified. */
export function deepMerge(base: YamlMap, override: YamlMap): YamlMap {
  const result: YamlMap = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const existing = result[key];
    result[key] = isMap(existing) && isMap(value) ? deepMerge(existing, value) : value;
  }
  return result;
}
