import { isMap } from './deep-merge';
import type { ConfigProblems } from './errors';
import { scalarText, unknownKeys } from './shape';

/** `parallel:` of a job: N copies, or one copy per matrix combination. */
export type ParallelSpec =
  | { readonly kind: 'number'; readonly total: number }
  | { readonly kind: 'matrix'; readonly combinations: readonly Readonly<Record<string, string>>[] };

/** One copy of a parallel job. */
export interface ParallelInstance {
  readonly name: string;
  readonly nodeIndex: number;
  readonly nodeTotal: number;
  readonly matrixValues?: Readonly<Record<string, string>>;
}

// GitLab's limit on copies of one job (`Entry::Product::Parallel::PARALLEL_LIMIT`).
const parallelLimit = 200;

function matrixValues(value: unknown): string[] | undefined {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  const texts = list.map(item =>
    typeof item === 'string' || typeof item === 'number' ? scalarText(item) : undefined,
  );
  return texts.every(text => text !== undefined) ? texts : undefined;
}

// Cartesian product with the first variable varying slowest, as Ruby's Array#product orders it.
function product(entry: Record<string, string[]>): Record<string, string>[] {
  let combos: Record<string, string>[] = [{}];
  for (const [key, values] of Object.entries(entry)) {
    combos = combos.flatMap(combo => values.map(value => ({ ...combo, [key]: value })));
  }
  return combos;
}

function normalizeMatrix(
  value: unknown,
  location: string,
  problems: ConfigProblems,
): ParallelSpec | undefined {
  const where = `${location}:matrix`;
  if (!Array.isArray(value) || value.length === 0 || !value.every(item => isMap(item))) {
    problems.add(`${where} config should be an array of hashes`);
    return undefined;
  }
  const combinations: Record<string, string>[] = [];
  for (const entry of value as Record<string, unknown>[]) {
    const parsed: Record<string, string[]> = {};
    for (const [key, raw] of Object.entries(entry)) {
      const values = matrixValues(raw);
      if (!values || values.length === 0) {
        problems.add(`${where} config should be a hash of strings or arrays of strings`);
        return undefined;
      }
      parsed[key] = values;
    }
    combinations.push(...product(parsed));
  }
  if (combinations.length > parallelLimit) {
    problems.add(`${where} config generates too many jobs (maximum is ${parallelLimit})`);
    return undefined;
  }
  return { kind: 'matrix', combinations };
}

/** Reads `parallel:` (an integer 1–200 or `{matrix: [...]}`). */
export function normalizeParallel(
  value: unknown,
  location: string,
  problems: ConfigProblems,
): ParallelSpec | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (Number.isInteger(value)) {
    const total = value as number;
    if (total < 1) {
      problems.add(`${location} config must be greater than or equal to 1`);
      return undefined;
    }
    if (total > parallelLimit) {
      problems.add(`${location} config must be less than or equal to ${parallelLimit}`);
      return undefined;
    }
    return { kind: 'number', total };
  }
  if (isMap(value)) {
    const unknown = unknownKeys(value, ['matrix']);
    if (unknown.length > 0) {
      problems.add(`${location} config contains unknown keys: ${unknown.join(', ')}`);
      return undefined;
    }
    return normalizeMatrix(value.matrix, location, problems);
  }
  problems.add(`${location} should be an integer or a hash`);
  return undefined;
}

/** The name GitLab gives one matrix copy: `job: [v1, v2]`, values in the matrix's key order. */
export function matrixJobName(baseName: string, values: Readonly<Record<string, string>>): string {
  return `${baseName}: [${Object.values(values).join(', ')}]`;
}

/** The copies a parallel job expands into (`test 1/3`, `test 2/3`… or one per combination). */
export function expandParallel(
  baseName: string,
  spec: ParallelSpec | undefined,
): ParallelInstance[] | undefined {
  if (!spec) {
    return undefined;
  }
  if (spec.kind === 'number') {
    return Array.from({ length: spec.total }, (_, index) => ({
      name: `${baseName} ${index + 1}/${spec.total}`,
      nodeIndex: index + 1,
      nodeTotal: spec.total,
    }));
  }
  return spec.combinations.map((values, index) => ({
    name: matrixJobName(baseName, values),
    nodeIndex: index + 1,
    nodeTotal: spec.combinations.length,
    matrixValues: values,
  }));
}
