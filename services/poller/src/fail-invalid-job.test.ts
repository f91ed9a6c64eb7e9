import { invalidJobTrace } from './fail-invalid-job';

describe('invalidJobTrace', () => {
  it('names every problem on one error line', () => {
    expect(invalidJobTrace(['steps: expected array', 'token: required'])).toBe(
      'ERROR: Job failed (system failure): could not decode the job payload: ' +
        'steps: expected array; token: required\n',
    );
  });

  it('still says something when no problem was named', () => {
    expect(invalidJobTrace([])).toContain('unknown problem');
  });
});
