/** The structure of a value with the values themselves removed: kinds, keys and array element shapes. */
export type Shape =
  | { readonly kind: 'string' | 'number' | 'boolean' | 'date' | 'null' | 'bytes' }
  | { readonly kind: 'array'; readonly element: Shape | undefined }
  | { readonly kind: 'object'; readonly fields: Readonly<Record<string, Shape>> }
  | { readonly kind: 'mixed'; readonly kinds: readonly string[] };

/** One way a candidate shape falls short of a reference shape. */
export interface ShapeDifference {
  /** Where, e.g. `AutoScalingGroups[].Instances[].LifecycleState`. */
  readonly path: string;
  readonly expected: string;
  readonly got: string;
}

const ignoredKeys = new Set(['$metadata']);

/** Reduces an SDK response (or any JSON-like value) to its shape, ignoring `$metadata` and undefined members. */
export function shapeOf(value: unknown): Shape {
  if (value === null) {
    return { kind: 'null' };
  }
  if (value instanceof Date) {
    return { kind: 'date' };
  }
  if (value instanceof Uint8Array) {
    return { kind: 'bytes' };
  }
  if (Array.isArray(value)) {
    let element: Shape | undefined;
    for (const item of value) {
      const itemShape = shapeOf(item);
      element = element === undefined ? itemShape : mergeShapes(element, itemShape);
    }
    return { kind: 'array', element };
  }
  switch (typeof value) {
    case 'string':
      return { kind: 'string' };
    case 'number':
    case 'bigint':
      return { kind: 'number' };
    case 'boolean':
      return { kind: 'boolean' };
    case 'object': {
      const fields: Record<string, Shape> = {};
      for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
        if (!ignoredKeys.has(key) && member !== undefined) {
          fields[key] = shapeOf(member);
        }
      }
      return { kind: 'object', fields };
    }
    default:
      throw new TypeError(`no shape for a ${typeof value}`);
  }
}

/** Merges two element shapes of one array: the union of object keys; differing kinds become mixed. */
export function mergeShapes(a: Shape, b: Shape): Shape {
  if (a.kind === 'object' && b.kind === 'object') {
    const fields: Record<string, Shape> = { ...a.fields };
    for (const [key, shape] of Object.entries(b.fields)) {
      const existing = fields[key];
      fields[key] = existing === undefined ? shape : mergeShapes(existing, shape);
    }
    return { kind: 'object', fields };
  }
  if (a.kind === 'array' && b.kind === 'array') {
    if (a.element === undefined || b.element === undefined) {
      return { kind: 'array', element: a.element ?? b.element };
    }
    return { kind: 'array', element: mergeShapes(a.element, b.element) };
  }
  if (a.kind === b.kind && a.kind !== 'mixed') {
    return a;
  }
  const kinds = new Set([...kindsOf(a), ...kindsOf(b)]);
  return { kind: 'mixed', kinds: [...kinds].sort() };
}

/** Lists every key and kind in `reference` that `candidate` lacks or has with another kind. */
export function missingFromShape(reference: Shape, candidate: Shape, path = ''): ShapeDifference[] {
  if (reference.kind === 'object') {
    if (candidate.kind !== 'object') {
      return [{ path: path || '(root)', expected: 'object', got: describeShape(candidate) }];
    }
    const differences: ShapeDifference[] = [];
    for (const [key, shape] of Object.entries(reference.fields)) {
      const childPath = path === '' ? key : `${path}.${key}`;
      const other = candidate.fields[key];
      if (other === undefined) {
        differences.push({ path: childPath, expected: describeShape(shape), got: 'missing' });
      } else {
        differences.push(...missingFromShape(shape, other, childPath));
      }
    }
    return differences;
  }
  if (reference.kind === 'array') {
    if (candidate.kind !== 'array') {
      return [{ path: path || '(root)', expected: 'array', got: describeShape(candidate) }];
    }
    if (reference.element === undefined) {
      return [];
    }
    if (candidate.element === undefined) {
      return [
        { path: `${path}[]`, expected: describeShape(reference.element), got: 'empty array' },
      ];
    }
    return missingFromShape(reference.element, candidate.element, `${path}[]`);
  }
  if (describeShape(reference) !== describeShape(candidate)) {
    return [
      { path: path || '(root)', expected: describeShape(reference), got: describeShape(candidate) },
    ];
  }
  return [];
}

/** The kind of a shape as a word, e.g. `array`, `object`, `date`, or `string|number` when mixed. */
export function describeShape(shape: Shape): string {
  switch (shape.kind) {
    case 'object':
      return 'object';
    case 'array':
      return 'array';
    case 'mixed':
      return shape.kinds.join('|');
    default:
      return shape.kind;
  }
}

/** Renders differences as an aligned, readable block for a failure message. */
export function formatShapeDifferences(
  title: string,
  differences: readonly ShapeDifference[],
): string {
  if (differences.length === 0) {
    return `${title}: shapes match`;
  }
  const width = Math.max(...differences.map(d => d.path.length));
  const lines = differences.map(
    d => `  ${d.path.padEnd(width)}  expected ${d.expected}, got ${d.got}`,
  );
  return `${title}: ${differences.length} difference(s)\n${lines.join('\n')}`;
}

function kindsOf(shape: Shape): string[] {
  return shape.kind === 'mixed' ? [...shape.kinds] : [shape.kind];
}

/** Every path in a shape, parents before children, in the notation ShapeDifference uses. */
export function shapePaths(shape: Shape, path = ''): string[] {
  if (shape.kind === 'object') {
    return Object.entries(shape.fields).flatMap(([key, child]) => {
      const childPath = path === '' ? key : `${path}.${key}`;
      return [childPath, ...shapePaths(child, childPath)];
    });
  }
  if (shape.kind === 'array' && shape.element !== undefined) {
    return [`${path}[]`, ...shapePaths(shape.element, `${path}[]`)];
  }
  return [];
}
