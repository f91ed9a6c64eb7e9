import { backoffDelayMs } from './backoff';

describe('backoffDelayMs', () => {
  const policy = { minMs: 1000, maxMs: 8000 };

  it('doubles from the minimum and stops at the maximum', () => {
    expect(backoffDelayMs(policy, 1, () => 1)).toBe(1000);
    expect(backoffDelayMs(policy, 2, () => 1)).toBe(2000);
    expect(backoffDelayMs(policy, 4, () => 1)).toBe(8000);
    expect(backoffDelayMs(policy, 40, () => 1)).toBe(8000);
  });

  it('never waits less than half the exponential value', () => {
    expect(backoffDelayMs(policy, 3, () => 0)).toBe(2000);
  });
});
