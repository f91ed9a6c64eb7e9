import type { InterruptionMessage, InterruptionSource } from '@taskfleet/fleeting';
import { pino } from 'pino';

import { InterruptionWatch } from './interruption-watch';
import type { InterruptionTarget } from './interruption-watch';
import type { InterruptionOutcome } from './spot-warnings';

const logger = pino({ level: 'silent' });
const notice = (instanceId: string) => ({
  kind: 'spot_warning' as const,
  instanceId,
  noticedAtMs: 0,
  action: 'terminate',
});

/** A source that answers scripted receives, then waits until aborted (as a long poll does). */
class ScriptedSource implements InterruptionSource {
  readonly acknowledged: string[] = [];
  receives = 0;
  closed = false;
  constructor(private readonly answers: (readonly InterruptionMessage[] | Error)[]) {}
  receive(signal?: AbortSignal): Promise<readonly InterruptionMessage[]> {
    this.receives += 1;
    const next = this.answers.shift();
    if (next instanceof Error) {
      return Promise.reject(next);
    }
    if (next !== undefined) {
      return Promise.resolve(next);
    }
    return new Promise((_resolve, reject) => {
      signal?.addEventListener('abort', () => {
        reject(new Error('aborted'));
      });
    });
  }
  acknowledge(handle: string): Promise<void> {
    this.acknowledged.push(handle);
    return Promise.resolve();
  }
  close(): void {
    this.closed = true;
  }
}

/** Timers fired by hand: a sleeping watch stays asleep until the test fires it. */
function manualTimers() {
  const due: (() => void)[] = [];
  return {
    delays: [] as number[],
    setTimeout(callback: () => void, delayMs: number) {
      this.delays.push(delayMs);
      due.push(callback);
      return due.length;
    },
    clearTimeout() {},
    fireAll() {
      for (const callback of due.splice(0)) {
        callback();
      }
    },
  };
}

function target(leading: boolean, outcome: InterruptionOutcome) {
  const seen: string[] = [];
  const t: InterruptionTarget & { seen: string[] } = {
    seen,
    leading: () => leading,
    handleInterruption: n => {
      seen.push(n.instanceId);
      return Promise.resolve(outcome);
    },
  };
  return t;
}

const settle = async () => {
  for (let i = 0; i < 20; i++) {
    await Promise.resolve();
  }
};

describe('InterruptionWatch', () => {
  const backoff = () => {
    let failures = 0;
    return {
      noteThrottled: () => 1000 * 2 ** failures++,
      noteAnswered: () => {
        failures = 0;
      },
    };
  };

  it('deletes a handled warning and a malformed message, and asks the pools in turn', async () => {
    const source = new ScriptedSource([
      [
        { handle: 'h1', problem: 'not JSON' },
        { handle: 'h2', notice: notice('i-3') },
      ],
    ]);
    const other = target(true, 'unknown');
    const owner = target(true, 'taken_out');
    const watch = new InterruptionWatch({
      source,
      targets: [other, owner],
      backoff: backoff(),
      logger,
      timers: manualTimers(),
    });
    watch.start();
    await settle();
    expect(other.seen).toEqual(['i-3']);
    expect(owner.seen).toEqual(['i-3']);
    expect(source.acknowledged).toEqual(['h1', 'h2']);
    await watch.close();
    expect(source.closed).toBe(true);
  });

  it('leaves a warning on the queue when the pool that must act does not lead; deletes one nobody knows', async () => {
    const source = new ScriptedSource([
      [{ handle: 'h1', notice: notice('i-3') }],
      [{ handle: 'h2', notice: notice('i-9') }],
    ]);
    // A pool whose replica here follows: it cannot tell whether it knows i-3, and no pool has i-9.
    const follower: InterruptionTarget = {
      leading: () => false,
      handleInterruption: n => Promise.resolve(n.instanceId === 'i-3' ? 'not_leader' : 'unknown'),
    };
    const stranger = target(true, 'unknown');
    const watch = new InterruptionWatch({
      source,
      targets: [follower, stranger],
      backoff: backoff(),
      logger,
      timers: manualTimers(),
    });
    watch.start();
    await settle();
    // i-3: one pool could not lead, so the message stays; i-9: known to none, deleted.
    expect(source.acknowledged).toEqual(['h2']);
    await watch.close();
  });

  it('does not read the queue while no pool leads', async () => {
    const source = new ScriptedSource([[{ handle: 'h1', notice: notice('i-3') }]]);
    const timers = manualTimers();
    const watch = new InterruptionWatch({
      source,
      targets: [target(false, 'taken_out')],
      backoff: backoff(),
      logger,
      timers,
      followerCheckMs: 500,
    });
    watch.start();
    await settle();
    timers.fireAll();
    await settle();
    expect(source.receives).toBe(0);
    expect(timers.delays).toEqual([500, 500]);
    await watch.close();
  });

  it('backs off after failed receives and goes on once the queue answers', async () => {
    const source = new ScriptedSource([
      new Error('socket hang up'),
      new Error('socket hang up'),
      [{ handle: 'h1', notice: notice('i-3') }],
    ]);
    const timers = manualTimers();
    const owner = target(true, 'taken_out');
    const watch = new InterruptionWatch({
      source,
      targets: [owner],
      backoff: backoff(),
      logger,
      timers,
    });
    watch.start();
    await settle();
    expect(timers.delays).toEqual([1000]);
    timers.fireAll();
    await settle();
    expect(timers.delays).toEqual([1000, 2000]);
    expect(source.acknowledged).toEqual([]);
    timers.fireAll();
    await settle();
    expect(source.acknowledged).toEqual(['h1']);
    await watch.close();
  });
});
