import { GitlabApiError, classifyGitlabError, codeForStatus } from './errors';

describe('codeForStatus', () => {
  it.each([
    [200, undefined],
    [204, undefined],
    [400, 'bad_request'],
    [401, 'forbidden'],
    [403, 'forbidden'],
    [404, 'not_found'],
    [408, 'timeout'],
    [409, 'conflict'],
    [422, 'unprocessable'],
    [429, 'rate_limited'],
    [500, 'server_error'],
    [502, 'server_error'],
    [503, 'unavailable'],
    [512, 'server_error'],
    [418, 'unexpected_status'],
  ])('status %d → %s', (status, code) => {
    expect(codeForStatus(status)).toBe(code);
  });
});

describe('classifyGitlabError', () => {
  const refused = Object.assign(new TypeError('fetch failed'), {
    cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
  });
  const abort = Object.assign(new Error('This operation was aborted'), { name: 'AbortError' });
  const timeout = Object.assign(new Error('The operation timed out'), { name: 'TimeoutError' });
  it.each<[string, unknown, string, boolean, number | undefined]>([
    ['a 403 answer', { status: 403 }, 'forbidden', false, 403],
    ['a 404 answer', { status: 404 }, 'not_found', false, 404],
    ['a 409 answer', { status: 409 }, 'conflict', true, 409],
    ['a 429 answer', { status: 429 }, 'rate_limited', true, 429],
    ['a 500 answer', { status: 500 }, 'server_error', true, 500],
    ['a 503 answer', { status: 503 }, 'unavailable', true, 503],
    ['a 400 answer', { status: 400 }, 'bad_request', false, 400],
    ['connection refused', refused, 'network', true, undefined],
    [
      'a bare errno',
      Object.assign(new Error('reset'), { code: 'ECONNRESET' }),
      'network',
      true,
      undefined,
    ],
    ['an abort', abort, 'aborted', false, undefined],
    ['a timeout', timeout, 'timeout', true, undefined],
    ['bad JSON', new SyntaxError('Unexpected token'), 'bad_response', false, undefined],
  ])('%s', (_name, input, code, retryable, status) => {
    const err = classifyGitlabError(input);
    expect(err).toBeInstanceOf(GitlabApiError);
    expect({ code: err.code, retryable: err.retryable, status: err.status }).toEqual({
      code,
      retryable,
      status,
    });
    expect(err.cause).toBe(input);
  });

  it('returns an existing GitlabApiError unchanged', () => {
    const err = new GitlabApiError('conflict', 'could not request a job', { status: 409 });
    expect(classifyGitlabError(err)).toBe(err);
  });
});
