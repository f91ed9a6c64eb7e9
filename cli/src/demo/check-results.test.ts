import type { JobResult } from './check-results';
import { expectationMismatches } from './check-results';

const job = (over: Partial<JobResult>): JobResult => ({
  name: 'build',
  stage: 'build',
  status: 'success',
  failure_reason: null,
  exit_code: null,
  log: '',
  ...over,
});

describe('expectationMismatches', () => {
  it('is empty when every job matches', () => {
    const jobs = [
      job({}),
      job({ name: 'lint', status: 'failed', failure_reason: 'script_failure', exit_code: 3 }),
    ];
    expect(
      expectationMismatches(jobs, {
        build: { status: 'success' },
        lint: { status: 'failed', failure_reason: 'script_failure', exit_code: 3 },
      }),
    ).toEqual([]);
  });

  it('names each differing field, missing and unexpected jobs', () => {
    const jobs = [
      job({ status: 'failed', failure_reason: 'script_failure', exit_code: 1 }),
      job({ name: 'extra' }),
    ];
    expect(
      expectationMismatches(jobs, { build: { status: 'success' }, gone: { status: 'success' } }),
    ).toEqual([
      'build: status failed, expected success',
      'build: failure_reason script_failure, expected null',
      'build: exit_code 1, expected null',
      'gone: expected a job, the pipeline has none',
      'extra: not in the expectation',
    ]);
  });
});
