import { cronPeriodProblem, isKnownTimeZone } from './cron-period';

describe('cron periods', () => {
  it.each([
    '* * * * *',
    '* 8-15 * * mon-fri',
    '1 * * * *',
    '0-30 13,16 * * SUN',
    '* * * * MON-SUN',
    '* 9-17 * * sat-sun',
    '*/15 * * * *',
    '* * 1-31 1-12 0-7',
    '* * * jan-mar *',
    '  * * * * *  ',
  ])('accepts %j', expression => {
    expect(cronPeriodProblem(expression)).toBeUndefined();
  });

  it.each([
    [
      '* * * *',
      'invalid cron expression "* * * *": needs 5 fields (minute hour day-of-month month day-of-week), got 4',
    ],
    [
      '0 * * * * *',
      'invalid cron expression "0 * * * * *": needs 5 fields (minute hour day-of-month month day-of-week), got 6',
    ],
    [
      '@hourly',
      'invalid cron expression "@hourly": needs 5 fields (minute hour day-of-month month day-of-week), got 1',
    ],
    [
      '60 * * * *',
      'invalid cron expression "60 * * * *": minute field "60": constraint error, got value 60 expected range 0-59',
    ],
    [
      '* 24 * * *',
      'invalid cron expression "* 24 * * *": hour field "24": constraint error, got value 24 expected range 0-23',
    ],
    [
      '* * 0 * *',
      'invalid cron expression "* * 0 * *": day-of-month field "0": constraint error, got value 0 expected range 1-31',
    ],
    [
      '* * * 13 *',
      'invalid cron expression "* * * 13 *": month field "13": constraint error, got value 13 expected range 1-12',
    ],
    [
      '* * * * 8',
      'invalid cron expression "* * * * 8": day-of-week field "8": constraint error, got value 8 expected range 0-7',
    ],
    [
      '5-1 * * * *',
      'invalid cron expression "5-1 * * * *": minute field "5-1": invalid range: 5-1, min(5) > max(1)',
    ],
    [
      '*/0 * * * *',
      'invalid cron expression "*/0 * * * *": minute field "*/0": constraint error, cannot repeat at every 0 time.',
    ],
    [
      '* * L * *',
      'invalid cron expression "* * L * *": day-of-month field "L" has unknown name "L"',
    ],
    ['H * * * *', 'invalid cron expression "H * * * *": minute field "H" has unknown name "H"'],
    [
      '* * ? * *',
      'invalid cron expression "* * ? * *": day-of-month field "?" may hold only digits, names, "*", "-", "/" and ","',
    ],
    [
      '* * * * 1#2',
      'invalid cron expression "* * * * 1#2": day-of-week field "1#2" may hold only digits, names, "*", "-", "/" and ","',
    ],
    [
      '* * * * funday',
      'invalid cron expression "* * * * funday": day-of-week field "funday" has unknown name "funday"; use sun, mon, tue, wed, thu, fri, sat',
    ],
  ])('refuses %j naming the field', (expression, message) => {
    expect(cronPeriodProblem(expression)).toBe(message);
  });
});

describe('time zones', () => {
  it.each(['UTC', 'Europe/Berlin', 'America/New_York', 'Etc/GMT+5'])('knows %s', zone => {
    expect(isKnownTimeZone(zone)).toBe(true);
  });

  it.each(['', 'Mars/Olympus', 'local', '+01:00', 'Europe/Berlin '])('refuses %j', zone => {
    expect(isKnownTimeZone(zone)).toBe(false);
  });
});
