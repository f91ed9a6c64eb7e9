import { coverageFromTrace } from './coverage';

describe('coverageFromTrace', () => {
  it.each([
    ['/Coverage: \\d+\\.\\d+%/', 'Coverage: 81.25%\n', 81.25],
    ['/All files[^|]*\\|[^|]*\\s+([\\d\\.]+)/', 'All files |   92.3 |   80 |', 92.3],
    ['/TOTAL.+ ([0-9]{1,3}%)/', 'TOTAL    120   10    92%\n', 92],
    ['/Coverage: \\d+%/', 'Coverage: 10%\nmore\nCoverage: 55%\n', 55],
    ['/coverage: \\d+%/i', 'COVERAGE: 40%', 40],
    ['/Coverage: \\d+%/', 'no numbers here', undefined],
    ['/(/', 'broken regex', undefined],
    ['not a regex', 'Coverage: 10%', undefined],
  ])('%s on %j gives %s', (regex, trace, expected) => {
    expect(coverageFromTrace(regex, trace)).toBe(expected);
  });
});
