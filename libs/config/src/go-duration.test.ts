import { parseGoDuration } from './go-duration';

describe('parseGoDuration', () => {
  it.each([
    ['0', 0],
    ['-0', 0],
    ['+0', 0],
    ['0s', 0],
    ['30s', 30_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['20m0s', 1_200_000],
    ['300ms', 300],
    ['1500us', 1.5],
    ['1500\u00b5s', 1.5],
    ['1500\u03bcs', 1.5],
    ['2000000ns', 2],
    ['.5s', 500],
    ['5.s', 5_000],
    ['1h1m1s1ms', 3_661_001],
    ['-1s', -1_000],
    ['+2m', 120_000],
    ['1.0000000001s', 1_000],
    ['2562047h47m16.854775807s', 9_223_372_036_854.775],
  ])('%s is %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toEqual({ ok: true, ms });
  });

  it.each([
    ['', 'empty duration'],
    ['-', 'empty duration'],
    ['30', 'missing unit after "30" (use ns, us, ms, s, m or h)'],
    ['1h30', 'missing unit after "30" (use ns, us, ms, s, m or h)'],
    ['.', 'expected a number'],
    ['.s', 'expected a number'],
    ['s', 'expected a number'],
    ['1d', 'unknown unit "d" (use ns, us, ms, s, m or h)'],
    ['1 h', 'unknown unit " h" (use ns, us, ms, s, m or h)'],
    ['1h 30m', 'unknown unit "h " (use ns, us, ms, s, m or h)'],
    ['1H', 'unknown unit "H" (use ns, us, ms, s, m or h)'],
    ['1sec', 'unknown unit "sec" (use ns, us, ms, s, m or h)'],
    ['--1s', 'expected a number'],
    ['3000000h', 'too large (Go durations stop at about 292 years)'],
    ['9223372036854775808ns', 'too large (Go durations stop at about 292 years)'],
  ])('%j is rejected: %s', (text, reason) => {
    expect(parseGoDuration(text)).toEqual({ ok: false, reason });
  });

  it('accepts the most negative Go duration', () => {
    expect(parseGoDuration('-9223372036854775808ns')).toEqual({
      ok: true,
      ms: -9_223_372_036_854.775,
    });
  });
});
