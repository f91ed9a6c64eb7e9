import { SharedRounds } from './shared-rounds';

describe('SharedRounds', () => {
  it('lets callers that saw an older round join the one in flight, and starts one otherwise', async () => {
    const started: number[] = [];
    const finish: (() => void)[] = [];
    const rounds = new SharedRounds<number>(
      round =>
        new Promise(resolve => {
          started.push(round);
          finish.push(() => {
            resolve(round);
          });
        }),
    );
    expect(rounds.latest).toBe(0);
    const first = rounds.after(0, undefined);
    const joined = rounds.after(0, undefined);
    // A caller that has already seen round 1 needs a newer one.
    const second = rounds.after(1, undefined);
    expect(started).toEqual([1, 2]);
    finish.forEach(done => {
      done();
    });
    expect(await Promise.all([first, joined, second])).toEqual([1, 1, 2]);
    expect(rounds.latest).toBe(2);
    const third = rounds.after(2, undefined);
    expect(started).toEqual([1, 2, 3]);
    finish[2]?.();
    expect(await third).toBe(3);
  });
});
