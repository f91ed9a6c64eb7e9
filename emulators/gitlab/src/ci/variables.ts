import { isMap } from './deep-merge';
import type { ConfigProblems } from './errors';
import { scalarText, unknownKeys } from './shape';
import type { PipelineVariable, ProjectVariable, YamlVariable } from './types';

/** A variable as the job payload carries it (§3.6 `variables`). */
export interface PayloadVariable {
  readonly key: string;
  readonly value: string;
  readonly public: boolean;
  readonly masked?: boolean;
  readonly file?: boolean;
  readonly raw?: boolean;
}

const variableHashKeys = ['value', 'description', 'expand', 'options'];

/**
 * Reads a `variables:` mapping (global, job, rules or workflow) into variables; values may be
 * scalars or `{ value, description, expand, options }`. Records problems under `location`.
 */
export function normalizeVariables(
  value: unknown,
  location: string,
  problems: ConfigProblems,
): YamlVariable[] {
  if (value === undefined || value === null) {
    return [];
  }
  const invalid = `${location} config should be a hash of key value pairs, value can be a hash`;
  if (!isMap(value)) {
    problems.add(invalid);
    return [];
  }
  const variables: YamlVariable[] = [];
  for (const [key, raw] of Object.entries(value)) {
    const text = scalarText(raw);
    if (text !== undefined) {
      variables.push({ key, value: text, raw: false });
      continue;
    }
    if (raw === null) {
      variables.push({ key, value: '', raw: false });
      continue;
    }
    if (!isMap(raw) || unknownKeys(raw, variableHashKeys).length > 0) {
      problems.add(invalid);
      continue;
    }
    const inner = raw.value === undefined ? '' : scalarText(raw.value);
    if (inner === undefined || (raw.expand !== undefined && typeof raw.expand !== 'boolean')) {
      problems.add(invalid);
      continue;
    }
    variables.push({ key, value: inner, raw: raw.expand === false });
  }
  return variables;
}

/** Looks a variable's value up by name; `undefined` = not defined. */
export type ValueLookup = (name: string) => string | undefined;

/**
 * Expands `$VAR`, `${VAR}` and `%VAR%` in `text` as GitLab does for keywords it evaluates on the
 * server (image, cache key, tags, environment…); `$$` stays a literal `$`. Unknown variables
 * become empty unless `keepUnknown`.
 */
export function expandText(text: string, lookup: ValueLookup, keepUnknown = false): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z0-9_]+)\}|\$([A-Za-z0-9_]+)|%([A-Za-z0-9_]+)%/g,
    (whole, braced?: string, bare?: string, percent?: string) => {
      if (whole === '$$') {
        return '$';
      }
      const name = braced ?? bare ?? percent ?? '';
      return lookup(name) ?? (keepUnknown ? whole : '');
    },
  );
}

// Guards against `A: $B`, `B: $A` loops; GitLab reports those as circular references.
const maxExpansionDepth = 20;

/**
 * Resolves every variable to its fully expanded value (referenced variables expanded first,
 * `raw` ones left untouched), the way the runner and the server see the final values.
 */
export function expandAll(
  variables: readonly { key: string; value: string; raw?: boolean }[],
): Map<string, string> {
  const byKey = new Map<string, { value: string; raw: boolean }>();
  for (const variable of variables) {
    byKey.set(variable.key, { value: variable.value, raw: variable.raw === true });
  }
  const done = new Map<string, string>();
  const resolve = (key: string, depth: number): string | undefined => {
    const cached = done.get(key);
    if (cached !== undefined) {
      return cached;
    }
    const entry = byKey.get(key);
    if (!entry) {
      return undefined;
    }
    const value =
      entry.raw || depth > maxExpansionDepth
        ? entry.value
        : expandText(
            entry.value,
            name => (name === key ? undefined : resolve(name, depth + 1)),
            true,
          );
    if (depth === 0) {
      done.set(key, value);
    }
    return value;
  };
  for (const key of byKey.keys()) {
    resolve(key, 0);
  }
  return done;
}

/** Merges variable layers in rising precedence: a later layer's key replaces an earlier one. */
export function layerVariables(layers: readonly (readonly PayloadVariable[])[]): PayloadVariable[] {
  const merged = new Map<string, PayloadVariable>();
  for (const layer of layers) {
    for (const variable of layer) {
      merged.delete(variable.key);
      merged.set(variable.key, variable);
    }
  }
  return [...merged.values()];
}

/** Yaml-defined variables as payload entries (public, not masked; `raw` when `expand: false`). */
export function yamlPayloadVariables(variables: readonly YamlVariable[]): PayloadVariable[] {
  return variables.map(variable =>
    variable.raw
      ? { key: variable.key, value: variable.value, public: true, masked: false, raw: true }
      : { key: variable.key, value: variable.value, public: true, masked: false },
  );
}

/** Project CI/CD variables as payload entries (never public; masked, file and raw as declared). */
export function projectPayloadVariables(variables: readonly ProjectVariable[]): PayloadVariable[] {
  return variables.map(variable => ({
    key: variable.key,
    value: variable.value,
    public: false,
    masked: variable.masked,
    file: variable.file,
    raw: variable.raw === true,
  }));
}

/** Variables given for one pipeline as payload entries (not public, not masked). */
export function pipelinePayloadVariables(
  variables: readonly PipelineVariable[],
): PayloadVariable[] {
  return variables.map(variable => ({
    key: variable.key,
    value: variable.value,
    public: false,
    masked: false,
  }));
}
