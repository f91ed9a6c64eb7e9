import type { Expression } from './parser';
import { parseExpression } from './parser';

/** The value of an evaluated expression node (Ruby semantics: `nil`, strings, booleans, regexps). */
type Value = string | boolean | null | RegExp;

/** Looks a variable up for an expression; `undefined` = not defined. */
export type VariableLookup = (name: string) => string | undefined;

// Ruby truthiness, which `&&`/`||` use: only nil and false are falsy (an empty string is truthy).
function truthy(value: Value): boolean {
  return value !== null && value !== false;
}

function toPattern(value: Value): RegExp | undefined {
  if (value instanceof RegExp) {
    return value;
  }
  if (typeof value !== 'string') {
    return undefined;
  }
  // A variable on the right of =~ holds a pattern written as text, e.g. "/^release-.*$/i".
  const match = /^\/(.+)\/([ims]*)$/s.exec(value);
  if (!match) {
    return undefined;
  }
  try {
    return new RegExp(match[1] ?? '', match[2]);
  } catch {
    return undefined;
  }
}

function textOf(value: Value): string {
  return typeof value === 'string'
    ? value
    : value === true
      ? 'true'
      : value === false
        ? 'false'
        : '';
}

function evaluateNode(node: Expression, lookup: VariableLookup): Value {
  switch (node.kind) {
    case 'variable':
      return lookup(node.name) ?? null;
    case 'string':
      return node.value;
    case 'null':
      return null;
    case 'pattern':
      return new RegExp(node.source, node.flags);
    case 'logical': {
      const left = evaluateNode(node.left, lookup);
      if (node.op === '&&') {
        return truthy(left) ? evaluateNode(node.right, lookup) : left;
      }
      return truthy(left) ? left : evaluateNode(node.right, lookup);
    }
    case 'compare': {
      const left = evaluateNode(node.left, lookup);
      const right = evaluateNode(node.right, lookup);
      if (node.op === '==' || node.op === '!=') {
        const equal = left instanceof RegExp || right instanceof RegExp ? false : left === right;
        return node.op === '==' ? equal : !equal;
      }
      const pattern = toPattern(right);
      if (!pattern) {
        // GitLab: `=~` without a usable pattern is false, `!~` is true.
        return node.op === '!~';
      }
      // An undefined variable matches as the empty string, as Ruby's nil.to_s does.
      const matches = new RegExp(pattern.source, pattern.flags).test(textOf(left));
      return node.op === '=~' ? matches : !matches;
    }
  }
}

/**
 * Evaluates an expression to a verdict: the final value must be "present" (not nil, false or
 * an empty string), so a bare `$VAR` is true only when the variable is set and non-empty.
 */
export function evaluateExpression(
  expression: Expression | string,
  lookup: VariableLookup,
): boolean {
  const tree = typeof expression === 'string' ? parseExpression(expression) : expression;
  const value = evaluateNode(tree, lookup);
  return value !== null && value !== false && value !== '';
}
