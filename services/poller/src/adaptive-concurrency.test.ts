import { GitlabApiError } from '@taskfleet/gitlab';
import type { RequestJobResult } from '@taskfleet/gitlab';

import { allowedRequests, nextAdaptiveLimit, requestSignal } from './adaptive-concurrency';
import type { RequestSignal } from './adaptive-concurrency';

function run(start: number, signals: readonly RequestSignal[], max: number): number {
  return signals.reduce((limit, signal) => nextAdaptiveLimit(limit, signal, max), start);
}

const times = (n: number, signal: RequestSignal): RequestSignal[] =>
  Array<RequestSignal>(n).fill(signal);

describe('nextAdaptiveLimit', () => {
  it('grows 10 % per job up to request_concurrency and no further', () => {
    expect(nextAdaptiveLimit(1, 'job', 4)).toBeCloseTo(1.1);
    expect(run(1, times(14, 'job'), 4)).toBeCloseTo(1.1 ** 14);
    expect(run(1, times(15, 'job'), 4)).toBe(4);
    expect(run(1, times(50, 'job'), 4)).toBe(4);
  });

  it('shrinks 5 % per empty poll and never below 1', () => {
    expect(nextAdaptiveLimit(4, 'empty', 4)).toBeCloseTo(3.8);
    expect(run(4, times(10, 'empty'), 4)).toBeCloseTo(4 * 0.95 ** 10);
    expect(run(4, times(28, 'empty'), 4)).toBe(1);
    expect(nextAdaptiveLimit(1, 'empty', 4)).toBe(1);
  });

  it('halves on a throttled poll, so it falls much faster than on empty ones', () => {
    expect(nextAdaptiveLimit(20, 'throttled', 20)).toBe(10);
    expect(run(20, times(5, 'throttled'), 20)).toBe(1);
    expect(run(20, times(3, 'throttled'), 20)).toBeLessThan(run(20, times(3, 'empty'), 20));
  });

  it('keeps a limit above a lowered request_concurrency down to it', () => {
    expect(nextAdaptiveLimit(8, 'job', 3)).toBe(3);
  });
});

describe('allowedRequests', () => {
  it('rounds the adaptive limit up, within [1, request_concurrency]', () => {
    expect(allowedRequests(1, 4, true)).toBe(1);
    expect(allowedRequests(1.1, 4, true)).toBe(2);
    expect(allowedRequests(3.0001, 4, true)).toBe(4);
    expect(allowedRequests(9, 4, true)).toBe(4);
    expect(allowedRequests(0.2, 4, true)).toBe(1);
  });

  it('is request_concurrency itself with the flag off, whatever the limit', () => {
    expect(allowedRequests(1, 4, false)).toBe(4);
    expect(allowedRequests(2.5, 1, false)).toBe(1);
  });
});

describe('requestSignal', () => {
  const error = (status: number | undefined, attempts = 1): RequestJobResult => ({
    kind: 'error',
    error: new GitlabApiError('server_error', 'could not request a job', {
      ...(status === undefined ? {} : { status }),
    }),
    unhealthy: status === 403,
    lastUpdate: undefined,
    attempts,
  });

  it.each<[string, RequestJobResult, RequestSignal]>([
    ['a 204', { kind: 'none', lastUpdate: undefined, attempts: 1 }, 'empty'],
    ['a 204 after a 429 retry', { kind: 'none', lastUpdate: undefined, attempts: 2 }, 'throttled'],
    ['a final 429', error(429, 5), 'throttled'],
    ['a 502 with no retry left to make', error(502), 'throttled'],
    ['a 403', error(403), 'empty'],
    ['a network failure', error(undefined), 'empty'],
    [
      'an undecodable job',
      {
        kind: 'invalid-job',
        jobId: 1,
        jobToken: undefined,
        problems: [],
        lastUpdate: undefined,
        attempts: 1,
      },
      'empty',
    ],
  ])('%s', (_name, result, signal) => {
    expect(requestSignal(result)).toBe(signal);
  });

  it('counts a job as growth only when it came at the first attempt', () => {
    const job = { kind: 'job', lastUpdate: undefined } as const;
    const first = { ...job, job: {}, attempts: 1 } as unknown as RequestJobResult;
    const retried = { ...job, job: {}, attempts: 3 } as unknown as RequestJobResult;
    expect(requestSignal(first)).toBe('job');
    expect(requestSignal(retried)).toBe('throttled');
  });
});
