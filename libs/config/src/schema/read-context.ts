import type { ConfigProblem } from '../errors';

/** Collects every problem, unknown key and warning of one parse, so all are reported at once. */
export interface ReadContext {
  readonly problems: ConfigProblem[];
  readonly unknownKeys: string[];
  readonly warnings: string[];
}

/** Creates an empty {@link ReadContext}. */
export function newReadContext(): ReadContext {
  return { problems: [], unknownKeys: [], warnings: [] };
}

const bareKey = /^[A-Za-z0-9_-]+$/;

/** Appends a key or index to a path: `runners` + 0 → `runners[0]`, `a` + `b` → `a.b`. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') {
    return `${base}[${key}]`;
  }
  const part = bareKey.test(key) ? key : JSON.stringify(key);
  return base === '' ? part : `${base}.${part}`;
}

/** Records one problem at a path. */
export function report(ctx: ReadContext, path: string, message: string): void {
  ctx.problems.push({ path, message });
}

/** True for a TOML table (a plain object, not an array or a date). */
export function isTable(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
  );
}

/** Names a TOML value's type for a message, showing short non-secret values. */
export function describeValue(value: unknown): string {
  if (value === undefined) {
    return 'nothing';
  }
  if (typeof value === 'bigint') {
    return `integer ${value}`;
  }
  if (typeof value === 'number') {
    return `float ${value}`;
  }
  if (typeof value === 'boolean') {
    return `boolean ${value}`;
  }
  if (typeof value === 'string') {
    return value.length > 60
      ? `a string of ${value.length} characters`
      : `string ${JSON.stringify(value)}`;
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  if (value instanceof Date) {
    return 'a datetime';
  }
  return 'a table';
}
