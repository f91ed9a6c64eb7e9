import { pino } from 'pino';
import type { Logger } from 'pino';

import { abortGraceMs, drainJobs, shutdownReason } from './drain-jobs';
import type { RunningJobs, RunningService } from './service';

/** An executor-like part whose jobs end when told to (or when aborted). */
function jobPart(running: number): RunningService & {
  jobs: RunningJobs;
  closes: number;
  reasons: string[];
  finish(): void;
} {
  let finish = (): void => undefined;
  const ended = new Promise<void>(resolve => {
    finish = resolve;
  });
  const part = {
    name: 'executor test',
    closes: 0,
    reasons: [] as string[],
    finish: () => {
      finish();
    },
    close() {
      part.closes += 1;
      return ended;
    },
    jobs: {
      runningJobs: () => running,
      abortRunning(reason: string) {
        part.reasons.push(reason);
        finish();
        return running;
      },
    },
  };
  return part;
}

/** A sleep that resolves only when the test says the time has come, or on abort. */
function manualSleep(): {
  sleep: (ms: number, abort: AbortSignal) => Promise<void>;
  asked: number[];
  pass(): void;
} {
  const pending: (() => void)[] = [];
  const asked: number[] = [];
  return {
    asked,
    sleep: (ms, abort) =>
      new Promise(resolve => {
        asked.push(ms);
        pending.push(resolve);
        abort.addEventListener('abort', () => {
          resolve();
        });
      }),
    pass() {
      for (const resolve of pending.splice(0)) {
        resolve();
      }
    },
  };
}

function capture(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { base: undefined, timestamp: false },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

describe('drainJobs', () => {
  it('closes the job parts at once, logs the count and deadline, and aborts them at the limit', async () => {
    const parts = [jobPart(2), jobPart(1)];
    const other = { name: 'poller', close: jest.fn(() => Promise.resolve()) };
    const clock = manualSleep();
    const { logger, lines } = capture();
    const drained = drainJobs({
      services: [...parts, other],
      limitMs: 5_000,
      signal: 'SIGTERM',
      logger,
      nowMs: () => Date.UTC(2026, 0, 1),
      sleep: clock.sleep,
    });
    await Promise.resolve();
    // Both stopped taking deliveries before any time passed; the poller is closeAll's.
    expect(parts.map(p => p.closes)).toEqual([1, 1]);
    expect(other.close).not.toHaveBeenCalled();
    expect(clock.asked).toEqual([5_000]);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'draining running jobs',
      runningJobs: 3,
      shutdownTimeoutMs: 5_000,
      deadline: '2026-01-01T00:00:05.000Z',
    });
    clock.pass();
    await expect(drained).resolves.toEqual({ runningJobs: 3, abortedJobs: 3, overran: false });
    const reason = shutdownReason('SIGTERM', 5_000);
    expect(reason).toBe(
      'aborted: the executor shut down (SIGTERM) and the job did not end within shutdown_timeout (5s)',
    );
    expect(parts.map(p => p.reasons)).toEqual([[reason], [reason]]);
    expect(lines.map(l => l.msg)).toEqual([
      'draining running jobs',
      'shutdown timeout passed: aborting running jobs',
      'running jobs drained',
    ]);
  });

  it('gives up on aborted jobs that do not end within the abort grace', async () => {
    const stuck = jobPart(1);
    stuck.jobs.abortRunning = (reason: string) => {
      stuck.reasons.push(reason);
      return 1;
    };
    const clock = manualSleep();
    const { logger, lines } = capture();
    const drained = drainJobs({
      services: [stuck],
      limitMs: 1_000,
      signal: 'SIGTERM',
      logger,
      nowMs: () => 0,
      sleep: clock.sleep,
    });
    await Promise.resolve();
    clock.pass();
    await new Promise(setImmediate);
    expect(clock.asked).toEqual([1_000, abortGraceMs]);
    clock.pass();
    await expect(drained).resolves.toEqual({ runningJobs: 1, abortedJobs: 1, overran: true });
    expect(lines.at(-1)).toMatchObject({
      level: 50,
      msg: 'aborted jobs did not end in time',
      stillRunning: 1,
    });
  });

  it('aborts nothing when the jobs end before the limit', async () => {
    const part = jobPart(1);
    const clock = manualSleep();
    const { logger } = capture();
    const drained = drainJobs({
      services: [part],
      limitMs: 5_000,
      signal: 'SIGINT',
      logger,
      nowMs: () => 0,
      sleep: clock.sleep,
    });
    part.finish();
    await expect(drained).resolves.toEqual({ runningJobs: 1, abortedJobs: 0, overran: false });
    clock.pass();
    expect(part.reasons).toEqual([]);
  });

  it('waits without a limit for SIGQUIT', async () => {
    const part = jobPart(1);
    const clock = manualSleep();
    const { logger, lines } = capture();
    const drained = drainJobs({
      services: [part],
      limitMs: Infinity,
      signal: 'SIGQUIT',
      logger,
      nowMs: () => 0,
      sleep: clock.sleep,
    });
    await Promise.resolve();
    expect(clock.asked).toEqual([]);
    expect(lines[0]).toMatchObject({ shutdownTimeoutMs: null, deadline: null, runningJobs: 1 });
    part.finish();
    await expect(drained).resolves.toEqual({ runningJobs: 1, abortedJobs: 0, overran: false });
  });

  it('does nothing without parts that run jobs', async () => {
    const clock = manualSleep();
    const { logger, lines } = capture();
    await expect(
      drainJobs({
        services: [{ name: 'scaler', close: () => Promise.resolve() }],
        limitMs: 1_000,
        signal: 'SIGTERM',
        logger,
        nowMs: () => 0,
        sleep: clock.sleep,
      }),
    ).resolves.toEqual({ runningJobs: 0, abortedJobs: 0, overran: false });
    expect(lines).toEqual([]);
  });
});
