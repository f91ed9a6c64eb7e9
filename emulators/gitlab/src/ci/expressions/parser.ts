import { ExpressionSyntaxError, tokenize, type Token } from './lexer';

/** A parsed expression. */
export type Expression =
  | { kind: 'variable'; name: string }
  | { kind: 'string'; value: string }
  | { kind: 'pattern'; source: string; flags: string }
  | { kind: 'null' }
  | { kind: 'compare'; op: '==' | '!=' | '=~' | '!~'; left: Expression; right: Expression }
  | { kind: 'logical'; op: '&&' | '||'; left: Expression; right: Expression };

type Operand = Extract<Token, { kind: 'variable' | 'string' | 'pattern' | 'null' }>;

/**
 * Recursive-descent parser with GitLab's precedence: comparisons bind tightest, then `&&`,
 * then `||`; all binary operators are left-associative; parentheses group.
 */
class Parser {
  private position = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parse(): Expression {
    if (this.tokens.length === 0) {
      throw new ExpressionSyntaxError('empty expression');
    }
    const expression = this.parseOr();
    if (this.position < this.tokens.length) {
      throw new ExpressionSyntaxError('unexpected token after expression');
    }
    return expression;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private parseOr(): Expression {
    let left = this.parseAnd();
    while (this.isOperator('||')) {
      this.position += 1;
      left = { kind: 'logical', op: '||', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): Expression {
    let left = this.parseComparison();
    while (this.isOperator('&&')) {
      this.position += 1;
      left = { kind: 'logical', op: '&&', left, right: this.parseComparison() };
    }
    return left;
  }

  private parseComparison(): Expression {
    let left = this.parsePrimary();
    for (;;) {
      const token = this.peek();
      if (token?.kind !== 'operator' || token.op === '&&' || token.op === '||') {
        return left;
      }
      this.position += 1;
      left = { kind: 'compare', op: token.op, left, right: this.parsePrimary() };
    }
  }

  private parsePrimary(): Expression {
    const token = this.peek();
    if (token === undefined) {
      throw new ExpressionSyntaxError('expression ends early');
    }
    this.position += 1;
    if (token.kind === 'paren') {
      if (!token.open) {
        throw new ExpressionSyntaxError('unexpected )');
      }
      const inner = this.parseOr();
      const close = this.peek();
      if (close?.kind !== 'paren' || close.open) {
        throw new ExpressionSyntaxError('missing )');
      }
      this.position += 1;
      return inner;
    }
    if (token.kind === 'operator') {
      throw new ExpressionSyntaxError(`unexpected operator ${token.op}`);
    }
    return operandExpression(token);
  }

  private isOperator(op: string): boolean {
    const token = this.peek();
    return token?.kind === 'operator' && token.op === op;
  }
}

function operandExpression(token: Operand): Expression {
  return token;
}

/** Parses a `rules:if` / `only:variables` expression, or throws {@link ExpressionSyntaxError}. */
export function parseExpression(text: string): Expression {
  return new Parser(tokenize(text)).parse();
}
