import { createManualClock, createRealClock, isManualClock } from './clock';

describe('manual clock', () => {
  it('runs due timers in due order, ties in scheduling order, including timers set while advancing', () => {
    const clock = createManualClock(1000);
    const seen: string[] = [];
    clock.setTimer(() => seen.push('b@20'), 20);
    clock.setTimer(() => {
      seen.push('a@10');
      clock.setTimer(() => seen.push('c@15'), 5);
    }, 10);
    clock.setTimer(() => seen.push('d@20'), 20);
    clock.setTimer(() => seen.push('late@31'), 31);
    clock.advance(30);
    expect(seen).toEqual(['a@10', 'c@15', 'b@20', 'd@20']);
    expect(clock.now()).toBe(1030);
    expect(clock.pendingTimerCount()).toBe(1);
  });

  it('reports the due time as now inside a callback, and cleared timers never run', () => {
    const clock = createManualClock(0);
    const times: number[] = [];
    const handle = clock.setTimer(() => times.push(-1), 5);
    clock.setTimer(() => times.push(clock.now()), 7);
    clock.clearTimer(handle);
    clock.advance(100);
    expect(times).toEqual([7]);
  });

  it('moves only forward', () => {
    const clock = createManualClock(100);
    clock.setNow(200);
    expect(clock.now()).toBe(200);
    expect(() => {
      clock.setNow(150);
    }).toThrow(RangeError);
    expect(() => {
      clock.advance(-1);
    }).toThrow(RangeError);
  });

  it('is told apart from the real clock', () => {
    expect(isManualClock(createManualClock())).toBe(true);
    const real = createRealClock();
    expect(isManualClock(real)).toBe(false);
    expect(Math.abs(real.now() - Date.now())).toBeLessThan(1000);
    real.clearTimer(real.setTimer(() => undefined, 60_000));
  });
});
