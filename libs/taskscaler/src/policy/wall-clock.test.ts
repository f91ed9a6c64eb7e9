import { wallClock } from './wall-clock';

describe('wallClock', () => {
  it.each([
    ['2026-12-07T14:59:59.999Z', 'Europe/Berlin', [2026, 12, 7, 15, 59, 1]],
    ['2026-03-29T00:59:59.999Z', 'Europe/Berlin', [2026, 3, 29, 1, 59, 0]],
    ['2026-03-29T01:00:00.000Z', 'Europe/Berlin', [2026, 3, 29, 3, 0, 0]],
    ['2026-10-25T00:30:00.000Z', 'Europe/Berlin', [2026, 10, 25, 2, 30, 0]],
    ['2026-10-25T01:30:00.000Z', 'Europe/Berlin', [2026, 10, 25, 2, 30, 0]],
    ['2026-11-01T05:30:00.000Z', 'America/New_York', [2026, 11, 1, 1, 30, 0]],
    ['2026-11-01T06:30:00.000Z', 'America/New_York', [2026, 11, 1, 1, 30, 0]],
    ['2026-12-31T23:00:00.000Z', 'Europe/Berlin', [2027, 1, 1, 0, 0, 5]],
    ['2026-12-07T00:00:00.000Z', 'UTC', [2026, 12, 7, 0, 0, 1]],
    ['2026-12-06T18:45:00.000Z', 'Asia/Kathmandu', [2026, 12, 7, 0, 30, 1]],
  ])('%s in %s', (iso, zone, [year, month, day, hour, minute, weekday]) => {
    expect(wallClock(Date.parse(iso), zone)).toEqual({ year, month, day, hour, minute, weekday });
  });

  it('throws invalid_timezone for an unknown zone', () => {
    expect(() => wallClock(0, 'Nowhere/Land')).toThrow(
      expect.objectContaining({ code: 'invalid_timezone' }),
    );
  });
});
