/** Splits a `rules:if` / `only:variables` expression into tokens, following GitLab's lexemes. */

/** One token of an expression. */
export type Token =
  | { kind: 'variable'; name: string }
  | { kind: 'string'; value: string }
  | { kind: 'pattern'; source: string; flags: string }
  | { kind: 'null' }
  | { kind: 'operator'; op: '==' | '!=' | '=~' | '!~' | '&&' | '||' }
  | { kind: 'paren'; open: boolean };

/** An expression GitLab would reject as "invalid expression syntax". */
export class ExpressionSyntaxError extends Error {
  override readonly name = 'ExpressionSyntaxError';
  readonly code = 'expression_syntax';
  readonly retryable = false;
}

const operators = ['==', '!=', '=~', '!~', '&&', '||'] as const;
// GitLab evaluates patterns with RE2, whose flags i (case), m (multi-line) and s (dot-all)
// mean the same as in JavaScript.
const allowedFlags = /^[ims]*$/;

function readPattern(text: string, start: number): { token: Token; end: number } {
  let i = start + 1;
  while (i < text.length && text[i] !== '/') {
    i += text[i] === '\\' ? 2 : 1;
  }
  if (i >= text.length) {
    throw new ExpressionSyntaxError('unterminated pattern');
  }
  const source = text.slice(start + 1, i);
  const flagMatch = /^[a-zA-Z]*/.exec(text.slice(i + 1));
  const flags = flagMatch?.[0] ?? '';
  if (!allowedFlags.test(flags) || source === '') {
    throw new ExpressionSyntaxError(`invalid pattern /${source}/${flags}`);
  }
  try {
    new RegExp(source, flags);
  } catch (error) {
    throw new ExpressionSyntaxError(`invalid pattern /${source}/${flags}`, { cause: error });
  }
  return { token: { kind: 'pattern', source, flags }, end: i + 1 + flags.length };
}

/** Returns the tokens of `text`, or throws {@link ExpressionSyntaxError}. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const variable = /^\$([A-Za-z0-9_]+)/.exec(rest);
    const quoted = /^"([^"]*)"|^'([^']*)'/.exec(rest);
    const op = operators.find(candidate => rest.startsWith(candidate));
    if (variable) {
      tokens.push({ kind: 'variable', name: variable[1] ?? '' });
      i += variable[0].length;
    } else if (quoted) {
      tokens.push({ kind: 'string', value: quoted[1] ?? quoted[2] ?? '' });
      i += quoted[0].length;
    } else if (/^null\b/.test(rest)) {
      tokens.push({ kind: 'null' });
      i += 4;
    } else if (op) {
      tokens.push({ kind: 'operator', op });
      i += 2;
    } else if (rest[0] === '(' || rest[0] === ')') {
      tokens.push({ kind: 'paren', open: rest[0] === '(' });
      i += 1;
    } else if (rest[0] === '/') {
      const { token, end } = readPattern(text, i);
      tokens.push(token);
      i = end;
    } else {
      throw new ExpressionSyntaxError(`unexpected input at ${i}: ${rest.slice(0, 10)}`);
    }
  }
  return tokens;
}
