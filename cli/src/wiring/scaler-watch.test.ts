import { observeLease } from './scaler-watch';
import type { WatchState } from './scaler-watch';

const graceMs = 30_000;
const lease = { holderId: 'scaler-a', expiresAtMs: 99_000 };
const fresh: WatchState = { missingSinceMs: undefined, warned: false };

/** Feeds reads (lease or not, at a time) through observeLease and collects the events. */
function run(reads: [boolean, number][]): (string | undefined)[] {
  let state = fresh;
  return reads.map(([led, nowMs]) => {
    const next = observeLease(state, led ? lease : undefined, nowMs, graceMs);
    state = next.state;
    return next.event;
  });
}

describe('observeLease', () => {
  it.each([
    [
      'a leader all along: silent',
      [
        [true, 0],
        [true, 40_000],
      ],
      [undefined, undefined],
    ],
    [
      'missing for less than the grace: silent',
      [
        [false, 0],
        [false, 29_999],
      ],
      [undefined, undefined],
    ],
    [
      'missing for the grace: one warning, not repeated',
      [
        [false, 0],
        [false, 30_000],
        [false, 90_000],
      ],
      [undefined, 'missing', undefined],
    ],
    [
      'a leader after the warning: the all-clear once',
      [
        [false, 0],
        [false, 30_000],
        [true, 40_000],
        [true, 50_000],
      ],
      [undefined, 'missing', 'back', undefined],
    ],
    [
      'a leader before the warning: no all-clear, and the grace starts again',
      [
        [false, 0],
        [true, 20_000],
        [false, 25_000],
        [false, 50_000],
        [false, 55_000],
      ],
      [undefined, undefined, undefined, undefined, 'missing'],
    ],
  ] as [string, [boolean, number][], (string | undefined)[]][])('%s', (_name, reads, events) => {
    expect(run(reads)).toEqual(events);
  });
});
