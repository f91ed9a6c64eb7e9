import { delayWithBackoffMs, startOffsetsMs } from './tick-schedule';

describe('startOffsetsMs', () => {
  it('puts each pool at a random point of its own slice of the spread', () => {
    const randoms = [0, 0.5, 0.999, 0.25];
    const offsets = startOffsetsMs(4, 1_000, () => randoms.shift() ?? 0);
    expect(offsets).toEqual([0, 375, 749, 812]);
  });

  it('spreads 20 pools over the whole interval, all distinct', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    const offsets = startOffsetsMs(20, 60_000, random);
    expect(new Set(offsets).size).toBe(20);
    expect(Math.min(...offsets)).toBeLessThan(3_000);
    expect(Math.max(...offsets)).toBeGreaterThanOrEqual(57_000);
    offsets.forEach((offset, i) => {
      expect(offset).toBeGreaterThanOrEqual(i * 3_000);
      expect(offset).toBeLessThan((i + 1) * 3_000);
    });
  });

  it('gives nothing for no pools and 0 for no spread', () => {
    expect(startOffsetsMs(0, 1_000, () => 0.5)).toEqual([]);
    expect(startOffsetsMs(2, 0, () => 0.5)).toEqual([0, 0]);
  });
});

describe('delayWithBackoffMs', () => {
  it('waits out the back-off when it is longer than the planned delay', () => {
    expect(delayWithBackoffMs(1_000, 0)).toBe(1_000);
    expect(delayWithBackoffMs(1_000, 4_000)).toBe(4_000);
  });
});
