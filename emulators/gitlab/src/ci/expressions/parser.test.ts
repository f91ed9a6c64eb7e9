import { ExpressionSyntaxError } from './lexer';
import { parseExpression, type Expression } from './parser';

function show(node: Expression): string {
  switch (node.kind) {
    case 'variable':
      return `$${node.name}`;
    case 'string':
      return JSON.stringify(node.value);
    case 'null':
      return 'null';
    case 'pattern':
      return `/${node.source}/${node.flags}`;
    case 'compare':
    case 'logical':
      return `(${show(node.left)} ${node.op} ${show(node.right)})`;
  }
}

describe('parseExpression', () => {
  it.each([
    ['$A', '$A'],
    ['$A == "x"', '($A == "x")'],
    ['$A || $B && $C', '($A || ($B && $C))'],
    ['$A && $B || $C', '(($A && $B) || $C)'],
    ['($A || $B) && $C', '(($A || $B) && $C)'],
    ['$A == "1" && $B =~ /x/ || $C != null', '((($A == "1") && ($B =~ /x/)) || ($C != null))'],
    ['$A && $B && $C', '(($A && $B) && $C)'],
    ['(($A))', '$A'],
  ])('parses %s as %s', (text, expected) => {
    expect(show(parseExpression(text))).toBe(expected);
  });

  it.each(['', '$A ==', '&& $A', '($A', '$A)', '$A $B', '()'])('rejects %j', text => {
    expect(() => parseExpression(text)).toThrow(ExpressionSyntaxError);
  });
});
