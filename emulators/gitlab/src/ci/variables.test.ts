import { ConfigProblems } from './errors';
import { expandAll, expandText, layerVariables, normalizeVariables } from './variables';

describe('normalizeVariables', () => {
  it('reads scalars and hashes with value, description and expand', () => {
    const problems = new ConfigProblems();
    const value = {
      PLAIN: 'x',
      NUMBER: 12,
      FLAG: true,
      EMPTY: null,
      DESCRIBED: { value: 'v', description: 'shown in the run form' },
      RAW: { value: '$NOT_EXPANDED', expand: false },
      OPTIONS: { value: 'b', options: ['a', 'b'] },
    };
    expect(normalizeVariables(value, 'variables', problems)).toEqual([
      { key: 'PLAIN', value: 'x', raw: false },
      { key: 'NUMBER', value: '12', raw: false },
      { key: 'FLAG', value: 'true', raw: false },
      { key: 'EMPTY', value: '', raw: false },
      { key: 'DESCRIBED', value: 'v', raw: false },
      { key: 'RAW', value: '$NOT_EXPANDED', raw: true },
      { key: 'OPTIONS', value: 'b', raw: false },
    ]);
    expect(problems.list()).toEqual([]);
  });

  it.each([
    [['a']],
    ['text'],
    [{ A: ['list'] }],
    [{ A: { value: 'x', other: 1 } }],
    [{ A: { expand: 'no' } }],
  ])('rejects %j', value => {
    const problems = new ConfigProblems();
    normalizeVariables(value, 'jobs:x:variables', problems);
    expect(problems.list()).toEqual([
      'jobs:x:variables config should be a hash of key value pairs, value can be a hash',
    ]);
  });
});

describe('expandText', () => {
  const known: Record<string, string> = { A: 'alpha', B: 'beta' };
  const lookup = (name: string): string | undefined => known[name];

  it.each([
    ['$A', 'alpha'],
    ['${A}-${B}', 'alpha-beta'],
    ['%A%', 'alpha'],
    ['x$Ay', 'x'],
    ['$UNKNOWN!', '!'],
    ['cost: $$5', 'cost: $5'],
    ['no vars', 'no vars'],
  ])('expands %j to %j', (text, expected) => {
    expect(expandText(text, lookup)).toBe(expected);
  });

  it('keeps unknown variables when asked', () => {
    expect(expandText('$A $UNKNOWN', lookup, true)).toBe('alpha $UNKNOWN');
  });
});

describe('expandAll', () => {
  it('expands references recursively and leaves raw values alone', () => {
    const expanded = expandAll([
      { key: 'HOST', value: 'example.test' },
      { key: 'URL', value: 'https://$HOST/${PATH_PART}' },
      { key: 'PATH_PART', value: 'api' },
      { key: 'RAW', value: '$HOST', raw: true },
      { key: 'SELF', value: 'x$SELF' },
      { key: 'LOOP_A', value: '$LOOP_B' },
      { key: 'LOOP_B', value: '$LOOP_A' },
    ]);
    expect(expanded.get('URL')).toBe('https://example.test/api');
    expect(expanded.get('RAW')).toBe('$HOST');
    expect(expanded.get('SELF')).toBe('x$SELF');
    expect(expanded.get('LOOP_A')).toMatch(/^\$LOOP_[AB]$/);
  });
});

describe('layerVariables', () => {
  it('lets a later layer replace a key of an earlier one', () => {
    const merged = layerVariables([
      [{ key: 'A', value: 'predefined', public: true }],
      [
        { key: 'A', value: 'yaml', public: true },
        { key: 'B', value: 'b', public: true },
      ],
      [{ key: 'A', value: 'project', public: false, masked: true }],
    ]);
    expect(merged).toEqual([
      { key: 'B', value: 'b', public: true },
      { key: 'A', value: 'project', public: false, masked: true },
    ]);
  });
});
