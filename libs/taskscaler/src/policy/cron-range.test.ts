import { cronRange } from './cron-range';
import type { WallClock } from './wall-clock';

const clock = (hour: number, minute: number, day = 7, month = 12, weekday = 1): WallClock => ({
  year: 2026,
  month,
  day,
  hour,
  minute,
  weekday,
});

describe('cronRange', () => {
  it.each([
    ['* 8-15 * * mon-fri', clock(15, 59), true],
    ['* 8-15 * * mon-fri', clock(16, 0), false],
    ['* 8-15 * * mon-fri', clock(10, 0, 6, 12, 0), false],
    ['* * * * 7', clock(10, 0, 6, 12, 0), true],
    ['* * * * 0', clock(10, 0, 6, 12, 0), true],
    ['*/20 * * * *', clock(10, 40), true],
    ['*/20 * * * *', clock(10, 41), false],
    ['* * 31 * *', clock(10, 0, 31), true],
    // The reference's MON-SUN: cron-parser alone refuses a range ending on SUN (= 0).
    ['* * * * MON-SUN', clock(10, 0, 6, 12, 0), true],
    ['* * * * mon-sun', clock(10, 0, 7, 12, 1), true],
    ['* * * * sat-sun', clock(10, 0, 6, 12, 0), true],
    ['* * * * sat-sun', clock(10, 0, 5, 12, 6), true],
    ['* * * * sat-sun', clock(10, 0, 4, 12, 5), false],
    ['* * * * mon,sat-sun/1', clock(10, 0, 6, 12, 0), true],
    ['* * * * sun-tue', clock(10, 0, 6, 12, 0), true],
    ['* * * * sun-tue', clock(10, 0, 9, 12, 3), false],
    ['* * * feb-mar *', clock(10, 0, 7, 3), true],
    ['* * * feb-mar *', clock(10, 0, 7, 4), false],
  ])('%s contains %j: %s', (expression, wall, expected) => {
    expect(cronRange(expression).contains(wall)).toBe(expected);
  });

  it('names the reason of an invalid period', () => {
    expect(() => cronRange('* 25 * * *')).toThrow(/invalid cron period "\* 25 \* \* \*"/);
  });

  it('returns the compiled range again for the same expression', () => {
    expect(cronRange('5 4 * * *')).toBe(cronRange('5 4 * * *'));
  });
});
