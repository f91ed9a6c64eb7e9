import { testRunnerInfo } from './testing/fixtures';
import { interpretUpdateResponse, updateJobBody } from './update-job';

function answer(status: number, headers: Record<string, string> = {}) {
  return { status, headers: new Headers(headers) };
}

describe('interpretUpdateResponse (reference §4.3, first matching row wins)', () => {
  it.each<[string, ReturnType<typeof answer>, Record<string, unknown>]>([
    [
      '200',
      answer(200, { 'Job-Status': 'running' }),
      { kind: 'accepted', jobStatus: 'running', cancelRequested: false },
    ],
    [
      '200 canceling',
      answer(200, { 'Job-Status': 'canceling' }),
      { kind: 'accepted', cancelRequested: true },
    ],
    [
      '200 canceled is an abort',
      answer(200, { 'Job-Status': 'canceled' }),
      { kind: 'aborted', reason: 'job-status' },
    ],
    [
      '200 failed is an abort',
      answer(200, { 'Job-Status': 'failed' }),
      { kind: 'aborted', status: 200 },
    ],
    [
      '403',
      answer(403, { 'Job-Status': 'success' }),
      { kind: 'aborted', reason: 'forbidden', status: 403 },
    ],
    ['403 without headers', answer(403), { kind: 'aborted', reason: 'forbidden' }],
    [
      '202 with interval',
      answer(202, { 'X-GitLab-Trace-Update-Interval': '4', 'Job-Status': 'running' }),
      { kind: 'retry-later', updateIntervalMs: 4000 },
    ],
    ['412', answer(412), { kind: 'trace-reset' }],
    ['404', answer(404), { kind: 'aborted', reason: 'not-found' }],
    ['400', answer(400), { kind: 'failed', error: { code: 'bad_request' } }],
    ['409', answer(409), { kind: 'failed', error: { code: 'conflict', retryable: true } }],
    ['502', answer(502), { kind: 'failed', error: { code: 'server_error', retryable: true } }],
    [
      'interval capped at 15 min',
      answer(200, { 'X-GitLab-Trace-Update-Interval': '7200' }),
      { updateIntervalMs: 900_000 },
    ],
    [
      'interval 0 ignored',
      answer(200, { 'X-GitLab-Trace-Update-Interval': '0' }),
      { updateIntervalMs: undefined },
    ],
  ])('%s', (_name, response, expected) => {
    expect(interpretUpdateResponse(response)).toMatchObject(expected);
  });
});

describe('updateJobBody', () => {
  it('omits a zero exit code and a failure reason on success', () => {
    const body = updateJobBody(testRunnerInfo, 'jt', {
      state: 'success',
      failureReason: 'script_failure',
      exitCode: 0,
      checksum: 'crc32:0000abcd',
      bytesize: 12,
    });
    expect(body).toEqual({
      info: testRunnerInfo,
      token: 'jt',
      state: 'success',
      checksum: 'crc32:0000abcd',
      output: { checksum: 'crc32:0000abcd', bytesize: 12 },
    });
  });

  it('carries failure_reason and exit_code on failed', () => {
    expect(
      updateJobBody(testRunnerInfo, 'jt', {
        state: 'failed',
        failureReason: 'script_failure',
        exitCode: 3,
      }),
    ).toMatchObject({
      state: 'failed',
      failure_reason: 'script_failure',
      exit_code: 3,
      output: {},
    });
  });
});
