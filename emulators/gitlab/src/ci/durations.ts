/** Parses GitLab durations (`timeout`, `start_in`, `expire_in`) such as `1h 30m` or `90 minutes`. */

const secondsPerUnit: ReadonlyArray<readonly [RegExp, number]> = [
  [/^(s|sec|secs|second|seconds)$/, 1],
  [/^(m|min|mins|minute|minutes)$/, 60],
  [/^(h|hr|hrs|hour|hours)$/, 3600],
  [/^(d|day|days)$/, 86400],
  [/^(w|wk|wks|week|weeks)$/, 7 * 86400],
  // ChronicDuration, which GitLab uses, counts a month as 30 days and a year as 365.25 days.
  [/^(mo|mos|month|months)$/, 30 * 86400],
  [/^(y|yr|yrs|year|years)$/, 365.25 * 86400],
];

function unitSeconds(unit: string): number | undefined {
  for (const [pattern, seconds] of secondsPerUnit) {
    if (pattern.test(unit)) {
      return seconds;
    }
  }
  return undefined;
}

/**
 * Returns the duration in whole seconds, or `undefined` when the text is not a duration.
 * A bare number counts as seconds, as in GitLab.
 */
export function parseDurationSeconds(input: string | number): number | undefined {
  if (typeof input === 'number') {
    return Number.isFinite(input) && input >= 0 ? Math.round(input) : undefined;
  }
  const text = input
    .trim()
    .toLowerCase()
    .replace(/,/g, ' ')
    .replace(/\band\b/g, ' ');
  if (text === '') {
    return undefined;
  }
  if (/^\d+(\.\d+)?$/.test(text)) {
    return Math.round(Number(text));
  }
  const clock = /^(\d+):(\d{1,2})(?::(\d{1,2}))?$/.exec(text);
  if (clock) {
    const [a, b, c] = [
      Number(clock[1]),
      Number(clock[2]),
      clock[3] === undefined ? undefined : Number(clock[3]),
    ];
    return c === undefined ? a * 60 + b : a * 3600 + b * 60 + c;
  }
  const token = /(\d+(?:\.\d+)?)\s*([a-z]+)/g;
  let total = 0;
  let consumed = '';
  for (const match of text.matchAll(token)) {
    const seconds = unitSeconds(match[2] ?? '');
    if (seconds === undefined) {
      return undefined;
    }
    total += Number(match[1]) * seconds;
    consumed += match[0];
  }
  // Every non-space character must belong to a number+unit pair, or the text is not a duration.
  if (consumed.replace(/\s/g, '') !== text.replace(/\s/g, '')) {
    return undefined;
  }
  return Math.round(total);
}
