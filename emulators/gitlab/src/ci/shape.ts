/** Small type checks for parsed YAML values, shared by the keyword normalisers. */

/** `true` for a string. */
export function isString(value: unknown): value is string {
  return typeof value === 'string';
}

/** `true` for an array whose items are all strings. */
export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every(item => typeof item === 'string');
}

/** A string or an array of strings as a list; `undefined` for anything else. */
export function stringOrList(value: unknown): string[] | undefined {
  if (typeof value === 'string') {
    return [value];
  }
  return isStringArray(value) ? value : undefined;
}

/** An integer or an array of integers as a list; `undefined` for anything else. */
export function intOrList(value: unknown): number[] | undefined {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  return list.every(item => Number.isInteger(item)) ? (list as number[]) : undefined;
}

/** The keys of `map` that are not in `allowed`. */
export function unknownKeys(map: Record<string, unknown>, allowed: readonly string[]): string[] {
  return Object.keys(map).filter(key => !allowed.includes(key));
}

/** A YAML scalar as the string GitLab would use (numbers and booleans stringified). */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  return undefined;
}

/** Any YAML value as text: scalars as GitLab stringifies them, anything else as JSON. */
export function asText(value: unknown): string {
  return scalarText(value) ?? (value === undefined ? '' : JSON.stringify(value));
}
