/**
 * Go's `time.ParseDuration` syntax, exactly: an optional sign, then one or more decimal numbers
 * each followed by a unit (`ns`, `us`, `µs`, `μs`, `ms`, `s`, `m`, `h`); a lone `0` needs no unit.
 */

/** Result of {@link parseGoDuration}: milliseconds, or why the text is not a Go duration. */
export type GoDurationResult =
  { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly reason: string };

const nanosecondsPerUnit: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n], // U+00B5 micro sign
  ['\u03bcs', 1_000n], // U+03BC Greek small letter mu
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

// Go keeps durations in a signed 64-bit count of nanoseconds; larger values are rejected.
const maxNanoseconds = (1n << 63n) - 1n;

const element = /^(\d*)(?:\.(\d*))?([^\d.]*)/u;

function fail(reason: string): GoDurationResult {
  return { ok: false, reason };
}

/** Parses a Go duration string such as `"1h30m"`, `"1.5h"` or `"300ms"` into milliseconds. */
export function parseGoDuration(text: string): GoDurationResult {
  let rest = text;
  let negative = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest.startsWith('-');
    rest = rest.slice(1);
  }
  // Go accepts a bare zero (with or without sign) as the only unit-less duration.
  if (rest === '0') {
    return { ok: true, ms: 0 };
  }
  if (rest === '') {
    return fail('empty duration');
  }
  let totalNs = 0n;
  while (rest !== '') {
    const match = element.exec(rest);
    const [whole, intDigits = '', fracDigits, unit = ''] = match ?? [''];
    if (intDigits === '' && (fracDigits === undefined || fracDigits === '')) {
      return fail('expected a number');
    }
    if (unit === '') {
      return fail(`missing unit after "${whole}" (use ns, us, ms, s, m or h)`);
    }
    const unitNs = nanosecondsPerUnit.get(unit);
    if (unitNs === undefined) {
      return fail(`unknown unit "${unit}" (use ns, us, ms, s, m or h)`);
    }
    let ns = BigInt(intDigits === '' ? '0' : intDigits) * unitNs;
    if (fracDigits !== undefined && fracDigits !== '') {
      // Truncate below one nanosecond, as Go does.
      ns += (BigInt(fracDigits) * unitNs) / 10n ** BigInt(fracDigits.length);
    }
    totalNs += ns;
    if (totalNs > maxNanoseconds + (negative ? 1n : 0n)) {
      return fail('too large (Go durations stop at about 292 years)');
    }
    rest = rest.slice(whole.length);
  }
  const ms = Number(totalNs) / 1e6;
  return { ok: true, ms: negative && ms !== 0 ? -ms : ms };
}
