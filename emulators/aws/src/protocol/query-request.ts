import { AwsApiError, validationError } from '../errors';

/** Which wire dialect raised a parameter problem, so the right error code is used. */
export type ParamDialect = 'query' | 'ec2';

/** The flat key/value parameters of an Auto Scaling or EC2 query request. */
export class QueryParams {
  private readonly values: ReadonlyMap<string, string>;
  readonly dialect: ParamDialect;

  constructor(values: ReadonlyMap<string, string>, dialect: ParamDialect) {
    this.values = values;
    this.dialect = dialect;
  }

  /** Parses an `application/x-www-form-urlencoded` body (and URL query) into parameters. */
  static parse(body: string, urlQuery: string, dialect: ParamDialect): QueryParams {
    const values = new Map<string, string>();
    for (const source of [urlQuery, body]) {
      for (const [key, value] of new URLSearchParams(source)) {
        values.set(key, value);
      }
    }
    return new QueryParams(values, dialect);
  }

  /** A string parameter; an empty value counts as absent (the JS SDK's empty list). */
  string(name: string): string | undefined {
    const value = this.values.get(name);
    return value === undefined || value === '' ? undefined : value;
  }

  /** A string parameter that must be present. */
  requiredString(name: string): string {
    const value = this.string(name);
    if (value === undefined) {
      throw this.missing(name);
    }
    return value;
  }

  /** An integer parameter. */
  int(name: string): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) {
      return undefined;
    }
    if (!/^-?\d+$/.test(raw)) {
      throw this.invalid(name, raw);
    }
    return Number(raw);
  }

  /** An integer parameter that must be present. */
  requiredInt(name: string): number {
    const value = this.int(name);
    if (value === undefined) {
      throw this.missing(name);
    }
    return value;
  }

  /** A boolean parameter (`true`/`false`). */
  bool(name: string): boolean | undefined {
    const raw = this.string(name);
    if (raw === undefined) {
      return undefined;
    }
    if (raw !== 'true' && raw !== 'false') {
      throw this.invalid(name, raw);
    }
    return raw === 'true';
  }

  /** A boolean parameter that must be present. */
  requiredBool(name: string): boolean {
    const value = this.bool(name);
    if (value === undefined) {
      throw this.missing(name);
    }
    return value;
  }

  /** The parameters under `prefix.`, with the prefix removed (a nested structure). */
  sub(prefix: string): QueryParams {
    const values = new Map<string, string>();
    const head = `${prefix}.`;
    for (const [key, value] of this.values) {
      if (key.startsWith(head)) {
        values.set(key.slice(head.length), value);
      }
    }
    return new QueryParams(values, this.dialect);
  }

  /** Whether any parameter starts with `prefix.` or equals `prefix` with a value. */
  has(prefix: string): boolean {
    if (this.string(prefix) !== undefined) {
      return true;
    }
    for (const key of this.values.keys()) {
      if (key.startsWith(`${prefix}.`)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The numbered elements under `prefix` in index order: `prefix.member.N` for Auto Scaling
   * (`member: true`) and the flattened `prefix.N` for EC2.
   */
  elements(prefix: string, member: boolean): QueryParams[] {
    const base = member ? this.sub(prefix).sub('member') : this.sub(prefix);
    const indexes = new Set<number>();
    for (const key of base.values.keys()) {
      const match = /^(\d+)(?:\.|$)/.exec(key);
      if (match?.[1] !== undefined) {
        indexes.add(Number(match[1]));
      }
    }
    return [...indexes]
      .sort((a, b) => a - b)
      .map(index => {
        const element = base.sub(String(index));
        const scalar = base.values.get(String(index));
        if (scalar === undefined) {
          return element;
        }
        return new QueryParams(new Map([['', scalar], ...element.values]), this.dialect);
      });
  }

  /** A list of strings (`prefix.member.N` or `prefix.N`); empty values are dropped. */
  strings(prefix: string, member: boolean): string[] {
    return this.elements(prefix, member)
      .map(element => element.string(''))
      .filter((value): value is string => value !== undefined);
  }

  /** Every raw key and value, for the call log. */
  entries(): [string, string][] {
    return [...this.values];
  }

  private missing(name: string): AwsApiError {
    if (this.dialect === 'ec2') {
      return new AwsApiError('MissingParameter', `The request must contain the parameter ${name}`);
    }
    return validationError(
      `1 validation error detected: Value null at '${lowerFirst(name)}' failed to satisfy constraint: Member must not be null`,
    );
  }

  private invalid(name: string, raw: string): AwsApiError {
    if (this.dialect === 'ec2') {
      return new AwsApiError(
        'InvalidParameterValue',
        `Value (${raw}) for parameter ${lowerFirst(name)} is invalid.`,
      );
    }
    return validationError(`Value '${raw}' for parameter ${name} is invalid.`);
  }
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}
