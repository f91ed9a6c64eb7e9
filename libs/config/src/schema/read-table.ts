import { z } from 'zod';
import type { ReadContext } from './read-context';
import { describeValue, isTable, joinPath, report } from './read-context';
import { nearMiss } from './near-miss';

function issuePath(base: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (joined, key) => joinPath(joined, typeof key === 'number' ? key : String(key)),
    base,
  );
}

/** One table read key by key: the keys that parsed, the ones that did not, and whether all did. */
export interface TableRead<T> {
  /** Every key that parsed (absent optional keys are undefined). */
  readonly fields: Partial<T>;
  /** Keys whose value was reported as a problem. */
  readonly invalid: ReadonlySet<string>;
  /** The whole table, when every key parsed. */
  readonly value: T | undefined;
}

/**
 * Validates one TOML table against a flat schema, key by key, so that a wrong key does not hide
 * checks on the others: records every issue and every key that is neither in the schema nor one
 * of `nestedKeys` (sub-tables read by the caller). An unknown key one or two edits from a known
 * one is a problem, not a warning: a mistyped `max_instances` would otherwise take its default
 * without a word. Undefined if `raw` is not a table.
 */
export function readTable<S extends z.ZodObject<z.ZodRawShape>>(
  ctx: ReadContext,
  path: string,
  raw: unknown,
  schema: S,
  nestedKeys: readonly string[] = [],
): TableRead<z.output<S>> | undefined {
  if (!isTable(raw)) {
    report(ctx, path, `must be a table, got ${describeValue(raw)}`);
    return undefined;
  }
  const known = new Set([...Object.keys(schema.shape), ...nestedKeys]);
  const absent = [...known].filter(key => !(key in raw));
  for (const key of Object.keys(raw)) {
    if (known.has(key)) {
      continue;
    }
    const meant = nearMiss(key, absent);
    if (meant === undefined) {
      ctx.unknownKeys.push(joinPath(path, key));
    } else {
      report(ctx, joinPath(path, key), `unknown key; did you mean ${JSON.stringify(meant)}?`);
    }
  }
  const fields: Record<string, unknown> = {};
  const invalid = new Set<string>();
  for (const [key, field] of Object.entries(schema.shape)) {
    const result = z.safeParse(field, raw[key]);
    if (result.success) {
      fields[key] = result.data;
      continue;
    }
    invalid.add(key);
    for (const issue of result.error.issues) {
      report(ctx, issuePath(joinPath(path, key), issue.path), issue.message);
    }
  }
  const parsed = fields as Partial<z.output<S>>;
  return {
    fields: parsed,
    invalid,
    value: invalid.size === 0 ? (parsed as z.output<S>) : undefined,
  };
}

/**
 * Reads an array of tables (`[[runners]]`) with `readOne` per element; an invalid element is
 * undefined in the result (so checks across elements still see the valid ones), and a value that
 * is not an array of tables gives undefined.
 */
export function readTableArray<T>(
  ctx: ReadContext,
  path: string,
  raw: unknown,
  readOne: (element: unknown, elementPath: string, index: number) => T | undefined,
): (T | undefined)[] | undefined {
  if (!Array.isArray(raw) || !raw.every(isTable)) {
    const header = `[[${path.replace(/\[\d+\]/g, '')}]]`;
    report(ctx, path, `must be an array of tables (${header}), got ${describeValue(raw)}`);
    return undefined;
  }
  return raw.map((element, index) => readOne(element, joinPath(path, index), index));
}

/** Narrows a list read by {@link readTableArray} to fully valid entries, or undefined. */
export function allValid<T>(entries: readonly (T | undefined)[] | undefined): T[] | undefined {
  if (entries === undefined || entries.some(entry => entry === undefined)) {
    return undefined;
  }
  return entries as T[];
}
