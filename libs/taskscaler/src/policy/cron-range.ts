import { CronExpressionParser } from 'cron-parser';
import { TaskscalerError } from '../errors';
import type { WallClock } from './wall-clock';

/** One 5-field cron period read as a set of wall-clock minutes (reference/autoscaler.md §3.1). */
export interface CronRange {
  /** The expression as written. */
  readonly expression: string;
  /** True when the wall-clock minute holding `clock` is one the expression names. */
  contains(clock: WallClock): boolean;
}

const compiled = new Map<string, CronRange>();

function toSet(values: readonly (number | string)[]): ReadonlySet<number> {
  return new Set(values.filter((value): value is number => typeof value === 'number'));
}

// The reference allows day-of-week ranges that end on Sunday (`MON-SUN`, `sat-sun`); cron-parser
// reads SUN as 0 and refuses such a range, so a range end of SUN is written as its alias 7.
function withSundayRangeEnd(fields: readonly string[]): string {
  return fields
    .map((field, index) => (index === 4 ? field.replace(/-sun(?=$|[,/])/gi, '-7') : field))
    .join(' ');
}

function compile(expression: string): CronRange {
  const parts = expression.trim().split(/\s+/);
  const fieldCount = parts.length;
  if (fieldCount !== 5) {
    // cron-parser also takes a leading seconds field; a period has exactly five (B41).
    throw new TaskscalerError(
      'invalid_period',
      `invalid cron period ${JSON.stringify(expression)}: needs 5 fields, got ${fieldCount}`,
    );
  }
  let fields;
  try {
    // The zone is irrelevant here: only the field expansion is used, matching is done on the
    // wall clock of the policy's zone.
    fields = CronExpressionParser.parse(withSundayRangeEnd(parts), { tz: 'UTC' }).fields;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TaskscalerError(
      'invalid_period',
      `invalid cron period ${JSON.stringify(expression)}: ${reason}`,
      { cause: error },
    );
  }
  const minutes = toSet(fields.minute.values);
  const hours = toSet(fields.hour.values);
  const days = toSet(fields.dayOfMonth.values);
  const months = toSet(fields.month.values);
  // cron-parser keeps 7 next to 0 in some ranges (`5-7`); both mean Sunday.
  const weekdays = new Set([...toSet(fields.dayOfWeek.values)].map(day => day % 7));
  const dayRestricted = !fields.dayOfMonth.isWildcard;
  const weekdayRestricted = !fields.dayOfWeek.isWildcard;
  return {
    expression,
    contains(clock) {
      if (!minutes.has(clock.minute) || !hours.has(clock.hour) || !months.has(clock.month)) {
        return false;
      }
      const dayMatch = days.has(clock.day);
      const weekdayMatch = weekdays.has(clock.weekday);
      // Classic cron rule (reconstructed for taskscaler): when both day fields are restricted,
      // either one matching is enough; otherwise the restricted one decides.
      return dayRestricted && weekdayRestricted
        ? dayMatch || weekdayMatch
        : dayMatch && weekdayMatch;
    },
  };
}

/** Parses a period once and keeps it; throws TaskscalerError `invalid_period` naming the reason. */
export function cronRange(expression: string): CronRange {
  let range = compiled.get(expression);
  if (range === undefined) {
    range = compile(expression);
    compiled.set(expression, range);
  }
  return range;
}
