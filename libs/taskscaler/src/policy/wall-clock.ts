import { TaskscalerError } from '../errors';

/** The local calendar fields of one instant in one zone, as a cron period reads them. */
export interface WallClock {
  /** Full year. */
  readonly year: number;
  /** Month 1-12. */
  readonly month: number;
  /** Day of month 1-31. */
  readonly day: number;
  /** Hour 0-23. */
  readonly hour: number;
  /** Minute 0-59. */
  readonly minute: number;
  /** Day of week 0-6, 0 = Sunday. */
  readonly weekday: number;
}

// Building a DateTimeFormat is far slower than using one, and the planner asks every tick.
const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
      });
    } catch (error) {
      throw new TaskscalerError(
        'invalid_timezone',
        `unknown time zone ${JSON.stringify(timeZone)}`,
        {
          cause: error,
        },
      );
    }
    formats.set(timeZone, format);
  }
  return format;
}

/** Reads the wall clock of `timeZone` at `epochMs`; the zone's rules (DST) come from Intl. */
export function wallClock(epochMs: number, timeZone: string): WallClock {
  const fields: Record<string, number> = {};
  for (const part of formatFor(timeZone).formatToParts(epochMs)) {
    if (part.type !== 'literal') {
      fields[part.type] = Number(part.value);
    }
  }
  const year = fields['year'] ?? NaN;
  const month = fields['month'] ?? NaN;
  const day = fields['day'] ?? NaN;
  // The weekday of a calendar date does not depend on the zone, so UTC arithmetic is exact.
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return {
    year,
    month,
    day,
    hour: fields['hour'] ?? NaN,
    minute: fields['minute'] ?? NaN,
    weekday,
  };
}
