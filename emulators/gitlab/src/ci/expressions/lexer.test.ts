import { ExpressionSyntaxError, tokenize } from './lexer';

describe('tokenize', () => {
  it.each([
    ['$CI_COMMIT_BRANCH', [{ kind: 'variable', name: 'CI_COMMIT_BRANCH' }]],
    ['"main"', [{ kind: 'string', value: 'main' }]],
    ["'single'", [{ kind: 'string', value: 'single' }]],
    ['null', [{ kind: 'null' }]],
    ['/^release-.*$/i', [{ kind: 'pattern', source: '^release-.*$', flags: 'i' }]],
    ['/a\\/b/', [{ kind: 'pattern', source: 'a\\/b', flags: '' }]],
    [
      '($A == "x") || $B != null',
      [
        { kind: 'paren', open: true },
        { kind: 'variable', name: 'A' },
        { kind: 'operator', op: '==' },
        { kind: 'string', value: 'x' },
        { kind: 'paren', open: false },
        { kind: 'operator', op: '||' },
        { kind: 'variable', name: 'B' },
        { kind: 'operator', op: '!=' },
        { kind: 'null' },
      ],
    ],
    [
      '$A =~ /x/ && $B !~ /y/m',
      [
        { kind: 'variable', name: 'A' },
        { kind: 'operator', op: '=~' },
        { kind: 'pattern', source: 'x', flags: '' },
        { kind: 'operator', op: '&&' },
        { kind: 'variable', name: 'B' },
        { kind: 'operator', op: '!~' },
        { kind: 'pattern', source: 'y', flags: 'm' },
      ],
    ],
  ])('tokenizes %s', (text, expected) => {
    expect(tokenize(text)).toEqual(expected);
  });

  it.each([
    ['${BRACED}', 'braces are not part of the expression grammar'],
    ['$A = "x"', 'a single = is not an operator'],
    ['/unterminated', 'an unterminated pattern'],
    ['/x/g', 'a flag RE2 does not know'],
    ['/(/', 'a pattern that does not compile'],
    ['$A == main', 'a bare word'],
    ["'open", 'an unterminated string'],
  ])('rejects %s (%s)', text => {
    expect(() => tokenize(text)).toThrow(ExpressionSyntaxError);
  });
});
