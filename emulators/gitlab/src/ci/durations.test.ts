import { parseDurationSeconds } from './durations';

describe('parseDurationSeconds', () => {
  it.each([
    ['1h 30m', 5400],
    ['1h30m', 5400],
    ['90 minutes', 5400],
    ['3 hours', 10800],
    ['2 days', 172800],
    ['1 week', 604800],
    ['45s', 45],
    ['1 hour and 10 minutes', 4200],
    ['1h, 5m', 3900],
    ['3600', 3600],
    ['1:30', 90],
    ['1:30:00', 5400],
    [600, 600],
    ['1 month', 2592000],
  ])('%j is %d seconds', (text, seconds) => {
    expect(parseDurationSeconds(text)).toBe(seconds);
  });

  it.each(['', 'soon', '10 parsecs', '1h x', -5, 'h'])('%j is not a duration', text => {
    expect(parseDurationSeconds(text)).toBeUndefined();
  });
});
