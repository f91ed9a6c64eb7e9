import { formatShapeDifferences, missingFromShape, shapeOf, shapePaths } from './shape';

describe('shapeOf', () => {
  it('keeps keys and kinds, drops values, $metadata and undefined members', () => {
    const shape = shapeOf({
      $metadata: { httpStatusCode: 200 },
      Name: 'a',
      Size: 3,
      On: false,
      At: new Date(0),
      Gone: undefined,
      Key: new Uint8Array([1]),
    });
    expect(shape).toEqual({
      kind: 'object',
      fields: {
        Name: { kind: 'string' },
        Size: { kind: 'number' },
        On: { kind: 'boolean' },
        At: { kind: 'date' },
        Key: { kind: 'bytes' },
      },
    });
  });

  it('merges the keys of every array element and marks clashing kinds as mixed', () => {
    const shape = shapeOf([{ A: 1 }, { B: 'x' }, { A: 'y' }]);
    expect(shape).toEqual({
      kind: 'array',
      element: {
        kind: 'object',
        fields: { A: { kind: 'mixed', kinds: ['number', 'string'] }, B: { kind: 'string' } },
      },
    });
    expect(shapeOf([])).toEqual({ kind: 'array', element: undefined });
  });
});

describe('missingFromShape', () => {
  const reference = shapeOf({
    Groups: [{ Name: 'g', Instances: [{ Id: 'i-1', State: 'InService' }], Created: new Date() }],
    NextToken: 't',
  });

  it('finds nothing when the candidate has every key, even with extra ones', () => {
    const candidate = shapeOf({
      Groups: [
        { Name: 'h', Instances: [{ Id: 'i-2', State: 'Pending', Extra: 1 }], Created: new Date() },
      ],
      NextToken: 'u',
      More: true,
    });
    expect(missingFromShape(reference, candidate)).toEqual([]);
  });

  it('reports missing keys, other kinds and empty arrays with their paths', () => {
    const candidate = shapeOf({ Groups: [{ Name: 'h', Instances: [], Created: '2024-01-01' }] });
    expect(missingFromShape(reference, candidate)).toEqual([
      { path: 'Groups[].Instances[]', expected: 'object', got: 'empty array' },
      { path: 'Groups[].Created', expected: 'date', got: 'string' },
      { path: 'NextToken', expected: 'string', got: 'missing' },
    ]);
  });

  it('does not require elements when the reference array is empty', () => {
    expect(missingFromShape(shapeOf({ Activities: [] }), shapeOf({ Activities: [] }))).toEqual([]);
    expect(missingFromShape(shapeOf({ Activities: [] }), shapeOf({}))).toEqual([
      { path: 'Activities', expected: 'array', got: 'missing' },
    ]);
  });

  it('renders a readable block', () => {
    const text = formatShapeDifferences('DescribeThings', [
      { path: 'A.B', expected: 'string', got: 'missing' },
      { path: 'C', expected: 'number', got: 'string' },
    ]);
    expect(text).toBe(
      'DescribeThings: 2 difference(s)\n  A.B  expected string, got missing\n  C    expected number, got string',
    );
  });
});

describe('shapePaths', () => {
  it('lists every key and array element path', () => {
    expect(shapePaths(shapeOf({ A: [{ B: 1 }], C: { D: 'x' }, E: [] }))).toEqual([
      'A',
      'A[]',
      'A[].B',
      'C',
      'C.D',
      'E',
    ]);
  });
});
