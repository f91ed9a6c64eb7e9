import { contentRange, interpretPatchResponse, storedLengthFromRange } from './patch-trace';

function answer(status: number, headers: Record<string, string> = {}) {
  return { status, headers: new Headers(headers) };
}

describe('interpretPatchResponse (reference §5.3)', () => {
  it.each<[string, ReturnType<typeof answer>, Record<string, unknown>]>([
    [
      '202',
      answer(202, { Range: '0-42', 'Job-Status': 'running' }),
      { kind: 'ok', storedLength: 42 },
    ],
    [
      '202 canceling',
      answer(202, { 'Job-Status': 'canceling' }),
      { kind: 'ok', cancelRequested: true },
    ],
    [
      '202 canceled',
      answer(202, { 'Job-Status': 'canceled' }),
      { kind: 'aborted', reason: 'job-status' },
    ],
    ['403', answer(403), { kind: 'aborted', reason: 'forbidden' }],
    ['404', answer(404), { kind: 'not-found' }],
    ['416', answer(416, { Range: '0-1024' }), { kind: 'range-mismatch', storedLength: 1024 }],
    ['416 without Range resends from 0', answer(416), { kind: 'range-mismatch', storedLength: 0 }],
    ['400', answer(400), { kind: 'failed', error: { code: 'bad_request' } }],
    ['500', answer(500), { kind: 'failed', error: { code: 'server_error' } }],
    [
      'interval',
      answer(202, { 'X-GitLab-Trace-Update-Interval': '60' }),
      { updateIntervalMs: 60_000 },
    ],
  ])('%s', (_name, response, expected) => {
    expect(interpretPatchResponse(response)).toMatchObject(expected);
  });
});

describe('ranges', () => {
  it.each([
    [0, 1, '0-0'],
    [0, 1024, '0-1023'],
    [1024, 10, '1024-1033'],
  ])('offset %d, %d bytes → %s', (offset, length, range) => {
    expect(contentRange(offset, length)).toBe(range);
  });

  it.each<[string | null, number]>([
    ['0-17', 17],
    [' 0-17 ', 17],
    ['bytes=0-5', 5],
    ['nonsense', 0],
    [null, 0],
  ])('Range %j → stored %d', (range, stored) => {
    expect(storedLengthFromRange(range)).toBe(stored);
  });
});
