import { z } from 'zod';
import { parseGoDuration } from '../go-duration';
import { describeValue } from './read-context';

// TOML is parsed with integers as bigint, so an integer and a float stay distinguishable.

type Issue = { readonly input?: unknown };

function expected(what: string): (issue: Issue) => string {
  return issue =>
    issue.input === undefined
      ? 'is required'
      : `must be ${what}, got ${describeValue(issue.input)}`;
}

/** A TOML string. */
export function tomlString(): z.ZodString {
  return z.string({ error: expected('a string') });
}

/** A TOML string that must not be empty. */
export function nonEmptyString(): z.ZodString {
  return tomlString().min(1, { error: 'must not be empty' });
}

/** A TOML string holding a secret: its value never appears in a message. */
export function secretString(): z.ZodString {
  return z
    .string({
      error: issue =>
        issue.input === undefined
          ? 'is required'
          : `must be a string, got ${secretKind(issue.input)}`,
    })
    .min(1, { error: 'must not be empty' });
}

function secretKind(value: unknown): string {
  return typeof value === 'bigint' || typeof value === 'number' ? 'a number' : describeValue(value);
}

/** A TOML boolean. */
export function tomlBoolean(): z.ZodBoolean {
  return z.boolean({ error: expected('true or false') });
}

/** A TOML integer within [min, max], as a number. */
export function tomlInt(min = 0, max = Number.MAX_SAFE_INTEGER): z.ZodType<number> {
  return z
    .bigint({ error: expected('an integer') })
    .check(ctx => {
      if (ctx.value < BigInt(min) || ctx.value > BigInt(max)) {
        const unbounded = max === Number.MAX_SAFE_INTEGER && ctx.value >= BigInt(min);
        const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
        ctx.issues.push({
          code: 'custom',
          input: ctx.value,
          message: unbounded
            ? `is too large, got ${ctx.value}`
            : `must be ${range}, got ${ctx.value}`,
        });
      }
    })
    .transform(Number);
}

/** A TOML float (an integer is accepted too), finite and at least `min`. */
export function tomlFloat(min = 0): z.ZodType<number> {
  return z
    .union([z.number(), z.bigint()], { error: expected('a number') })
    .transform(Number)
    .check(ctx => {
      if (!Number.isFinite(ctx.value) || ctx.value < min) {
        ctx.issues.push({
          code: 'custom',
          input: ctx.value,
          message: `must be ${min} or more, got ${ctx.value}`,
        });
      }
    });
}

/** A Go duration string (`"30s"`, `"1h30m"`), in milliseconds; negative values are refused. */
export function goDuration(): z.ZodType<number> {
  return z
    .string({
      error: issue =>
        typeof issue.input === 'bigint'
          ? `must be a Go duration string such as "30s", got ${describeValue(issue.input)} (a unit is required)`
          : `must be a Go duration string such as "30s" or "1h30m", got ${describeValue(issue.input)}`,
    })
    .transform((text, ctx) => {
      const parsed = parseGoDuration(text);
      if (!parsed.ok) {
        ctx.issues.push({
          code: 'custom',
          input: text,
          message: `invalid duration ${JSON.stringify(text)}: ${parsed.reason}`,
        });
        return z.NEVER;
      }
      if (parsed.ms < 0) {
        ctx.issues.push({
          code: 'custom',
          input: text,
          message: `must not be negative, got ${JSON.stringify(text)}`,
        });
        return z.NEVER;
      }
      return parsed.ms;
    });
}

/** One of a fixed set of strings, compared exactly. */
export function oneOf<const T extends readonly [string, ...string[]]>(
  values: T,
): z.ZodEnum<{ [K in T[number]]: K }> {
  const list = values.map(value => JSON.stringify(value)).join(', ');
  return z.enum(values, { error: expected(`one of ${list}`) });
}

/** A TOML array of strings. */
export function stringArray(): z.ZodArray<z.ZodString> {
  return z.array(tomlString(), { error: expected('an array of strings') });
}

/** A TOML array of floats (histogram bucket bounds), strictly ascending. */
export function bucketArray(): z.ZodType<number[]> {
  return z.array(tomlFloat(0), { error: expected('an array of numbers') }).check(ctx => {
    if (ctx.value.some((bound, i) => i > 0 && bound <= (ctx.value[i - 1] ?? 0))) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        message: 'must be in strictly ascending order',
      });
    }
  });
}
