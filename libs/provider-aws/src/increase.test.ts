import { planIncrease } from './increase';

describe('planIncrease', () => {
  it.each([
    // desired, max, delta → target, requested, capped
    [0, 3, 2, 2, 2, false],
    [1, 3, 2, 3, 2, false],
    [0, 10, 16, 10, 10, true], // B58: 16 asked of a max of 10 gives 10, not nothing
    [2, 3, 5, 3, 1, true],
    [3, 3, 1, 3, 0, true],
    [5, 3, 1, 5, 0, true], // already above a lowered max: never asks to shrink
    [-1, 3, 1, 1, 1, false], // a negative cached value is treated as 0
  ])(
    'desired %i, max %i, delta %i → target %i (%i requested, capped %s)',
    (desired, max, delta, target, requested, capped) => {
      expect(planIncrease(desired, max, delta)).toEqual({
        targetCapacity: target,
        requested,
        capped,
      });
    },
  );
});
