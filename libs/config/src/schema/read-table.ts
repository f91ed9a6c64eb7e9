import type { z } from 'zod';
import type { ReadContext } from './read-context';
import { describeValue, isTable, joinPath, report } from './read-context';

function issuePath(base: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (joined, key) => joinPath(joined, typeof key === 'number' ? key : String(key)),
    base,
  );
}

/**
 * Validates one TOML table against a flat schema: records every issue and every key that is
 * neither in the schema nor one of `nestedKeys` (sub-tables read by the caller).
 */
export function readTable<S extends z.ZodObject>(
  ctx: ReadContext,
  path: string,
  raw: unknown,
  schema: S,
  nestedKeys: readonly string[] = [],
): z.output<S> | undefined {
  if (!isTable(raw)) {
    report(ctx, path, `must be a table, got ${describeValue(raw)}`);
    return undefined;
  }
  const known = new Set([...Object.keys(schema.shape), ...nestedKeys]);
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) {
      ctx.unknownKeys.push(joinPath(path, key));
    }
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      report(ctx, issuePath(path, issue.path), issue.message);
    }
    return undefined;
  }
  return result.data;
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
