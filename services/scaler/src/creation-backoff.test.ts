import { pino } from 'pino';

import {
  creationBackoffMs,
  creationHoldMs,
  logCreationBackoff,
  nextCreationBackoff,
  noCreationBackoff,
} from './creation-backoff';
import type { BootCounts, CreationBackoff } from './creation-backoff';

const baseMs = 2_000;
const maxMs = 60_000;

describe('creationBackoffMs', () => {
  it.each([
    [0, 0],
    [1, 2_000],
    [2, 4_000],
    [3, 8_000],
    [4, 16_000],
    [5, 32_000],
    [6, 60_000],
    [50, 60_000],
  ])('after %i boot failures in a row waits %i ms', (failures, waitMs) => {
    expect(creationBackoffMs(failures, baseMs, maxMs)).toBe(waitMs);
  });

  it('never caps below the base', () => {
    expect(creationBackoffMs(3, 10_000, 1_000)).toBe(10_000);
  });
});

describe('nextCreationBackoff', () => {
  const backingOff: CreationBackoff = { consecutiveBootFailures: 2, untilMs: 5_000 };
  it.each<[string, CreationBackoff, BootCounts, CreationBackoff]>([
    ['nothing happened, none', noCreationBackoff, { ready: 0, failed: 0 }, noCreationBackoff],
    [
      'a first failure',
      noCreationBackoff,
      { ready: 0, failed: 1 },
      { consecutiveBootFailures: 1, untilMs: 3_000 },
    ],
    [
      'two at once count twice',
      noCreationBackoff,
      { ready: 0, failed: 2 },
      { consecutiveBootFailures: 2, untilMs: 5_000 },
    ],
    [
      'a further failure doubles',
      backingOff,
      { ready: 0, failed: 1 },
      { consecutiveBootFailures: 3, untilMs: 9_000 },
    ],
    ['nothing new keeps the wait', backingOff, { ready: 0, failed: 0 }, backingOff],
    ['a ready instance ends it', backingOff, { ready: 1, failed: 0 }, noCreationBackoff],
    [
      'ready and failed: a new streak',
      backingOff,
      { ready: 1, failed: 1 },
      { consecutiveBootFailures: 1, untilMs: 3_000 },
    ],
  ])('%s', (_name, current, boots, expected) => {
    expect(nextCreationBackoff(current, boots, 1_000, baseMs, maxMs)).toEqual(expected);
  });
});

describe('creationHoldMs', () => {
  it('is what is left of the wait, never negative', () => {
    const backoff = { consecutiveBootFailures: 1, untilMs: 3_000 };
    expect(creationHoldMs(backoff, 1_000)).toBe(2_000);
    expect(creationHoldMs(backoff, 4_000)).toBe(0);
    expect(creationHoldMs(noCreationBackoff, 4_000)).toBe(0);
  });
});

describe('logCreationBackoff', () => {
  function captured(): { logger: pino.Logger; lines: () => Record<string, unknown>[] } {
    const out: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => out.push(line) });
    return { logger, lines: () => out.map(l => JSON.parse(l) as Record<string, unknown>) };
  }

  it('logs a new wait and the end once, and nothing when it did not change', () => {
    const { logger, lines } = captured();
    const first = { consecutiveBootFailures: 1, untilMs: 3_000 };
    logCreationBackoff(logger, noCreationBackoff, first, 1_000);
    logCreationBackoff(logger, first, first, 2_000);
    logCreationBackoff(logger, noCreationBackoff, noCreationBackoff, 2_000);
    logCreationBackoff(logger, first, noCreationBackoff, 2_500);
    expect(
      lines().map(l => [l.msg, l.consecutiveBootFailures, l.backoffMs, l.afterBootFailures]),
    ).toEqual([
      ['creation back-off', 1, 2_000, undefined],
      ['creation back-off ended', undefined, undefined, 1],
    ]);
  });
});
