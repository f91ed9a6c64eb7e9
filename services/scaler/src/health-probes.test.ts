import { pino } from 'pino';

import { HealthProbes, backoffMs } from './health-probes';
import type { ProbeOutcome } from './health-probes';

const logger = pino({ level: 'silent' });

function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>(resolve => {
    open = resolve;
  });
  return { promise, open };
}

describe('HealthProbes', () => {
  it('runs one probe per instance, at most maxConcurrent, and reports them once', async () => {
    const probes = new HealthProbes({ maxConcurrent: 2, logger });
    const g = gate();
    const probe = (id: string) => async (): Promise<ProbeOutcome> => {
      await g.promise;
      return { instanceId: id, kind: 'heartbeat', result: 'passed' };
    };
    expect(probes.start('i-1', 'heartbeat', probe('i-1'))).toBe(true);
    expect(probes.start('i-1', 'heartbeat', probe('i-1'))).toBe(false);
    expect(probes.isDue('i-1', 0)).toBe(false);
    expect(probes.start('i-2', 'heartbeat', probe('i-2'))).toBe(true);
    expect(probes.start('i-3', 'heartbeat', probe('i-3'))).toBe(false);
    expect(probes.inFlight).toBe(2);
    expect(probes.take()).toEqual([]);
    g.open();
    await probes.settled();
    // Finished but not yet written by a tick: not probed again, or its outcome would repeat.
    expect(probes.isDue('i-1', 0)).toBe(false);
    expect(probes.start('i-1', 'heartbeat', probe('i-1'))).toBe(false);
    expect(probes.take().map(o => o.instanceId)).toEqual(['i-1', 'i-2']);
    expect(probes.isDue('i-1', 0)).toBe(true);
    expect(probes.take()).toEqual([]);
    expect(probes.inFlight).toBe(0);
  });

  it('turns a throwing probe into a deferred outcome', async () => {
    const probes = new HealthProbes({ maxConcurrent: 1, logger });
    probes.start('i-1', 'ready', () => Promise.reject(new Error('stale')));
    await probes.settled();
    expect(probes.hasFinished).toBe(true);
    expect(probes.take()).toEqual([
      { instanceId: 'i-1', kind: 'ready', result: 'deferred', reason: 'probe_error' },
    ]);
    expect(probes.hasFinished).toBe(false);
  });

  it('keeps an instance back until its time, and forgets gone instances', () => {
    const probes = new HealthProbes({ maxConcurrent: 1, logger });
    expect(probes.isDue('i-1', 100, 200)).toBe(false);
    expect(probes.isDue('i-1', 200, 200)).toBe(true);
    probes.deferUntil('i-1', 500);
    expect(probes.isDue('i-1', 499)).toBe(false);
    expect(probes.isDue('i-1', 500)).toBe(true);
    probes.retain(new Set());
    expect(probes.isDue('i-1', 0)).toBe(true);
  });

  it('keeps its due times in the schedule it is given, so saving that map stores them', () => {
    const probes = new HealthProbes({ maxConcurrent: 1, logger });
    const stored = new Map([['i-1', 900]]);
    probes.useSchedule(stored);
    expect(probes.isDue('i-1', 899)).toBe(false);
    expect(probes.isDue('i-1', 900)).toBe(true);
    probes.deferUntil('i-2', 1_500);
    probes.retain(new Set(['i-2']));
    expect([...stored]).toEqual([['i-2', 1_500]]);
    // The next tick's schedule (from Redis, maybe a new leader's) replaces this one.
    probes.useSchedule(new Map([['i-2', 700]]));
    expect(probes.isDue('i-2', 700)).toBe(true);
  });

  it('starts nothing after close', async () => {
    const probes = new HealthProbes({ maxConcurrent: 1, logger });
    await probes.close();
    expect(probes.signal.aborted).toBe(true);
    expect(
      probes.start('i-1', 'ready', () =>
        Promise.resolve({ instanceId: 'i-1', kind: 'ready', result: 'passed' }),
      ),
    ).toBe(false);
  });
});

describe('backoffMs', () => {
  it('doubles from the base per failure and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map(n => backoffMs(n, 2_000, 30_000))).toEqual([
      2_000, 4_000, 8_000, 16_000, 30_000, 30_000,
    ]);
    expect(backoffMs(0, 2_000, 30_000)).toBe(2_000);
    expect(backoffMs(1_000, 2_000, 30_000)).toBe(30_000);
  });
});
