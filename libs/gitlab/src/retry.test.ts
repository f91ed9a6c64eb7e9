import { backoffMs, defaultRetryPolicy, isRetryableStatus, retryDelayMs } from './retry';

const noJitter = { ...defaultRetryPolicy, jitter: false };

describe('isRetryableStatus', () => {
  it.each([
    [408, true],
    [429, true],
    [500, true],
    [501, false],
    [502, true],
    [503, true],
    [504, true],
    [505, false],
    [511, false],
    [512, true],
    [599, true],
    [400, false],
    [403, false],
    [404, false],
    [409, false],
    [201, false],
  ])('%d → %s', (status, retryable) => {
    expect(isRetryableStatus(status)).toBe(retryable);
  });
});

describe('backoffMs', () => {
  it.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 800],
    [10, 51_200],
    [11, 60_000],
    [30, 60_000],
  ])('retry %d waits %d ms without jitter', (retry, ms) => {
    expect(backoffMs(noJitter, retry, () => 0.5)).toBe(ms);
  });

  it('keeps jittered waits between the minimum and the exponential value', () => {
    expect(backoffMs(defaultRetryPolicy, 3, () => 0)).toBe(100);
    expect(backoffMs(defaultRetryPolicy, 3, () => 1)).toBe(400);
    expect(backoffMs(defaultRetryPolicy, 3, () => 0.5)).toBe(250);
  });
});

describe('retryDelayMs', () => {
  const nowMs = Date.UTC(2026, 0, 1, 12, 0, 0);
  const resetIn10s = new Date(nowMs + 10_000).toUTCString();
  it.each<[string, Record<string, string>, number, number]>([
    ['Retry-After seconds', { 'retry-after': '7' }, 1, 7000],
    ['Retry-After 60 as GitLab sends it', { 'retry-after': '60' }, 3, 60_000],
    ['Retry-After as an HTTP date is ignored (back-off)', { 'retry-after': resetIn10s }, 2, 200],
    [
      'RateLimit-ResetTime wins over Retry-After',
      { 'ratelimit-resettime': resetIn10s, 'retry-after': '3' },
      1,
      10_000,
    ],
    [
      'a reset time in the past waits 0',
      { 'ratelimit-resettime': new Date(nowMs - 5000).toUTCString() },
      1,
      0,
    ],
    [
      'garbage headers fall back to back-off',
      { 'retry-after': 'soon', 'ratelimit-resettime': 'x' },
      4,
      800,
    ],
    ['no headers: back-off', {}, 1, 100],
    ['a huge Retry-After is capped', { 'retry-after': '86400' }, 1, 600_000],
  ])('%s', (_name, headers, retry, expected) => {
    const header = (name: string): string | null => headers[name] ?? null;
    expect(retryDelayMs({ header, retry, nowMs, policy: noJitter, random: () => 0.5 })).toBe(
      expected,
    );
  });
});
