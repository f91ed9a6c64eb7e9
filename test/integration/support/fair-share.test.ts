import { fairShareReport, peakConcurrent } from './fair-share';
import type { JobTiming } from './fair-share';

const job = (id: number, arrivedAtMs: number, startedAtMs: number, tagSet = 'a'): JobTiming => ({
  id,
  tagSet,
  arrivedAtMs,
  startedAtMs,
});

describe('fairShareReport', () => {
  it('measures pace and launch on the run itself and bounds each job by its queue position', () => {
    // One slot, a job every 100 ms once the first capacity is there after 1 s.
    const report = fairShareReport([job(1, 0, 1000), job(2, 0, 1100), job(3, 0, 1200)]);
    expect(report.launchMs).toBe(1000);
    expect(report.throughputPerMs).toBeCloseTo(2 / 200);
    expect(report.verdicts.map(v => [v.id, v.waitMs, v.aheadCount, v.boundMs])).toEqual([
      [1, 1000, 0, 1000],
      [2, 1100, 1, 1100],
      [3, 1200, 2, 1200],
    ]);
    expect(report.verdicts.every(v => v.overtakenBy === 0)).toBe(true);
  });

  it('shows a starved job: far over its bound and overtaken by every later job', () => {
    const report = fairShareReport([
      job(1, 0, 5000, 'starved'),
      job(2, 0, 1000),
      job(3, 10, 1100),
      job(4, 20, 1200),
    ]);
    const starved = report.verdicts.find(v => v.id === 1);
    expect(starved).toMatchObject({ aheadCount: 0, overtakenBy: 3, boundMs: 1000 });
    expect((starved?.waitMs ?? 0) / (starved?.boundMs ?? 1)).toBe(5);
  });

  it('counts as ahead only the earlier jobs not yet started at arrival', () => {
    const report = fairShareReport([job(1, 0, 100), job(2, 50, 400), job(3, 200, 500)]);
    expect(report.verdicts.map(v => v.aheadCount)).toEqual([0, 1, 1]);
  });

  it('refuses a domain of fewer than two jobs', () => {
    expect(() => fairShareReport([job(1, 0, 1)])).toThrow(/two jobs/);
  });
});

describe('peakConcurrent', () => {
  it('counts overlaps, open spans, and an end and a start at one instant as no overlap', () => {
    expect(
      peakConcurrent([
        { startMs: 0, endMs: 10 },
        { startMs: 5, endMs: undefined },
        { startMs: 10, endMs: 20 },
        { startMs: 12, endMs: 13 },
      ]),
    ).toBe(3);
    expect(peakConcurrent([])).toBe(0);
  });
});
