import { flattenScript, scriptProblem } from './script';

const nested = (depth: number): unknown => (depth === 0 ? 'echo deep' : [nested(depth - 1)]);

describe('flattenScript', () => {
  it.each([
    ['echo hi', ['echo hi']],
    [
      ['a', 'b'],
      ['a', 'b'],
    ],
    [
      ['a', ['b', ['c']], 'd'],
      ['a', 'b', 'c', 'd'],
    ],
    [[], []],
    [nested(10), ['echo deep']],
  ])('flattens %j', (value, lines) => {
    expect(flattenScript(value)).toEqual(lines);
  });

  it.each([[[1]], [['ok', true]], [{ a: 1 }], [42], [nested(11)], [['a', null]]])(
    'rejects %j',
    value => {
      expect(flattenScript(value)).toBeUndefined();
    },
  );

  it('words the problem as GitLab does', () => {
    expect(scriptProblem('jobs:x:script')).toBe(
      'jobs:x:script config should be a string or a nested array of strings up to 10 levels deep',
    );
  });
});
