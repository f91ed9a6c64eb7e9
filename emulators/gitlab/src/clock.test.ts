import { ManualClock } from './clock';

describe('ManualClock', () => {
  it('fires due timers in due order on advance, skips cancelled ones, and never runs early', () => {
    const clock = new ManualClock(1000);
    const fired: string[] = [];
    clock.setTimer(50, () => fired.push(`b@${clock.now()}`));
    clock.setTimer(10, () => fired.push(`a@${clock.now()}`));
    const cancelled = clock.setTimer(20, () => fired.push('never'));
    cancelled.cancel();
    clock.advance(9);
    expect(fired).toEqual([]);
    clock.advance(41);
    expect(fired).toEqual(['a@1010', 'b@1050']);
    expect(clock.now()).toBe(1050);
    expect(clock.pendingTimerCount()).toBe(0);
  });

  it('runs timers set by a firing timer when they fall within the same advance', () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    clock.setTimer(10, () => {
      fired.push(clock.now());
      clock.setTimer(10, () => fired.push(clock.now()));
    });
    clock.advance(30);
    expect(fired).toEqual([10, 20]);
  });
});
