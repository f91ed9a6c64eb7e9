import { CronExpressionParser } from 'cron-parser';

// The taskscaler cron syntax (reference/autoscaler.md §3.1): five fields of numbers, `*`, `-`
// ranges, `/` steps and `,` lists; month and day-of-week also take English three-letter names.
const fields = [
  { name: 'minute', names: [] },
  { name: 'hour', names: [] },
  { name: 'day-of-month', names: [] },
  {
    name: 'month',
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  { name: 'day-of-week', names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
] as const;

const allowedCharacters = /^[0-9A-Za-z*,/-]+$/;

function checkField(index: number, text: string): string | undefined {
  const field = fields[index];
  if (field === undefined) {
    return undefined;
  }
  const label = `${field.name} field ${JSON.stringify(text)}`;
  if (!allowedCharacters.test(text)) {
    return `${label} may hold only digits, names, "*", "-", "/" and ","`;
  }
  const words = text.match(/[A-Za-z]+/g) ?? [];
  const known: readonly string[] = field.names;
  const unknownWord = words.find(word => !known.includes(word.toLowerCase()));
  if (unknownWord !== undefined) {
    const hint = known.length > 0 ? `; use ${known.join(', ')}` : '';
    return `${label} has unknown name ${JSON.stringify(unknownWord)}${hint}`;
  }
  // cron-parser reads SUN as 0 and refuses a range ending on it (`MON-SUN`), which the
  // reference allows; libs/taskscaler reads such a range end as 7, and so does this check.
  const fieldText = field.name === 'day-of-week' ? text.replace(/-sun(?=$|[,/])/gi, '-7') : text;
  // Parse this field alone, with wildcards elsewhere, so the error names the field at fault.
  const probe = fields.map((_, i) => (i === index ? fieldText : '*')).join(' ');
  try {
    CronExpressionParser.parse(probe, { tz: 'UTC' });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `${label}: ${reason.charAt(0).toLowerCase()}${reason.slice(1)}`;
  }
  return undefined;
}

/** Checks one 5-field cron period; returns why it is invalid, naming the field, or undefined. */
export function cronPeriodProblem(expression: string): string | undefined {
  const parts = expression
    .trim()
    .split(/\s+/)
    .filter(part => part !== '');
  const quoted = JSON.stringify(expression);
  if (parts.length !== 5) {
    const layout = 'minute hour day-of-month month day-of-week';
    return `invalid cron expression ${quoted}: needs 5 fields (${layout}), got ${parts.length}`;
  }
  for (const [index, part] of parts.entries()) {
    const problem = checkField(index, part);
    if (problem !== undefined) {
      return `invalid cron expression ${quoted}: ${problem}`;
    }
  }
  return undefined;
}

/** True if `zone` is a time zone name the runtime's Intl knows (IANA names and links). */
export function isKnownTimeZone(zone: string): boolean {
  if (zone === '') {
    return false;
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
