/** Applies a job's `coverage` regex to its log the way GitLab does after the job finishes. */

/**
 * Returns the coverage percentage GitLab would store: the last match of the regex in the log
 * (its last capture group if it has groups), then the first number inside that text.
 * `undefined` when the regex is invalid or nothing matches.
 */
export function coverageFromTrace(coverageRegex: string, trace: string): number | undefined {
  const literal = /^\/(.*)\/([a-z]*)$/s.exec(coverageRegex);
  if (!literal) {
    return undefined;
  }
  let pattern: RegExp;
  try {
    pattern = new RegExp(literal[1] ?? '', `${(literal[2] ?? '').replace(/[^ims]/g, '')}g`);
  } catch {
    return undefined;
  }
  const matches = [...trace.matchAll(pattern)];
  const last = matches.at(-1);
  if (!last) {
    return undefined;
  }
  // Groups that did not take part in the match are undefined at run time.
  const groups = (last.slice(1) as (string | undefined)[]).filter(
    (group): group is string => group !== undefined,
  );
  const text = groups.length > 0 ? (groups.at(-1) ?? '') : last[0];
  const number = /\d+(\.\d+)?/.exec(text);
  return number ? Number(number[0]) : undefined;
}
