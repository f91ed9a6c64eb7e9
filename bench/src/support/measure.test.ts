import { percentile, sample } from './measure';

describe('percentile', () => {
  it.each([
    [[1, 2, 3, 4], 0.5, 2],
    [[1, 2, 3, 4], 0.99, 4],
    [[5], 0.5, 5],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9],
  ])('of %j at %d is %d (nearest rank)', (values, q, expected) => {
    expect(percentile(values, q)).toBe(expected);
  });

  it('is NaN for no values', () => {
    expect(percentile([], 0.5)).toBeNaN();
  });
});

describe('sample', () => {
  it('runs the operation warm-up plus measured times', async () => {
    let calls = 0;
    const result = await sample(
      () => {
        calls += 1;
      },
      { runs: 7, warmUp: 3 },
    );
    expect(calls).toBe(10);
    expect(result.runs).toBe(7);
    expect(result.p50Ms).toBeLessThanOrEqual(result.p99Ms);
  });
});
