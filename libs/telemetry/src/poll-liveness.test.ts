import { PollLiveness } from './poll-liveness';

const pool = { group: 'asg', runner: 'r1-x', runnerName: 'linux' };

function liveness(intervalMs = 1_000) {
  const clock = { nowMs: 10_000 };
  const tracker = new PollLiveness({ clock: () => clock.nowMs, checkIntervalMs: () => intervalMs });
  return { clock, tracker };
}

describe('PollLiveness (B48)', () => {
  it('reports the last successful poll and no stall while the loop turns', () => {
    const { clock, tracker } = liveness();
    tracker.follow(pool);
    tracker.record(pool, { kind: 'request-started' });
    clock.nowMs += 500;
    tracker.record(pool, { kind: 'request-finished', outcome: 'none' });
    clock.nowMs += 1_500;
    expect(tracker.health()).toEqual([{ pool, lastSuccessfulPollAtMs: 10_500, stalled: false }]);
  });

  it('flags a stall after 2 quiet intervals, and clears it when polling resumes', () => {
    const { clock, tracker } = liveness();
    tracker.follow(pool);
    tracker.record(pool, { kind: 'request-finished', outcome: 'job' });
    clock.nowMs += 2_001;
    expect(tracker.health()[0]?.stalled).toBe(true);
    tracker.record(pool, { kind: 'request-started' });
    expect(tracker.health()[0]?.stalled).toBe(false);
  });

  it('counts an open long poll and a refusal for no capacity as a turning loop', () => {
    const { clock, tracker } = liveness();
    tracker.record(pool, { kind: 'request-started' });
    clock.nowMs += 60_000;
    expect(tracker.health()[0]?.stalled).toBe(false);
    tracker.record(pool, { kind: 'request-failed' });
    tracker.record(pool, { kind: 'no-capacity' });
    clock.nowMs += 1_900;
    expect(tracker.health()[0]).toMatchObject({
      lastSuccessfulPollAtMs: undefined,
      stalled: false,
    });
  });

  it('follows the check interval in force (a reload may change it)', () => {
    let intervalMs = 1_000;
    const clock = { nowMs: 0 };
    const tracker = new PollLiveness({
      clock: () => clock.nowMs,
      checkIntervalMs: () => intervalMs,
    });
    tracker.follow(pool);
    clock.nowMs = 3_000;
    expect(tracker.health()[0]?.stalled).toBe(true);
    intervalMs = 2_000;
    expect(tracker.health()[0]?.stalled).toBe(false);
  });
});
