import { ReadinessGate } from './readiness';

describe('ReadinessGate (B53)', () => {
  it('names each missing dependency with its reason until all pass', async () => {
    let keyThere = false;
    const gate = new ReadinessGate([
      { name: 'redis', check: () => Promise.resolve() },
      {
        name: 'ssh_key /k',
        check: () =>
          keyThere ? Promise.resolve() : Promise.reject(new Error('could not read /k (ENOENT)')),
      },
    ]);
    expect(gate.report().ready).toBe(false);
    const first = await gate.runOnce();
    expect(first).toEqual({
      ready: false,
      checks: [
        { name: 'redis', ok: true },
        { name: 'ssh_key /k', ok: false, reason: 'could not read /k (ENOENT)' },
      ],
    });
    keyThere = true;
    expect((await gate.runOnce()).ready).toBe(true);
  });

  it('waits round after round, sleeping between, and stops when aborted', async () => {
    let rounds = 0;
    const gate = new ReadinessGate([
      {
        name: 'redis',
        check: () => {
          rounds += 1;
          return rounds >= 3 ? Promise.resolve() : Promise.reject(new Error('refused'));
        },
      },
    ]);
    const sleeps: number[] = [];
    const waiting: string[] = [];
    const ready = await gate.waitUntilReady({
      intervalMs: 250,
      sleep: ms => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      signal: new AbortController().signal,
      onWaiting: report => waiting.push(report.checks[0]?.reason ?? ''),
    });
    expect(ready).toBe(true);
    expect(sleeps).toEqual([250, 250]);
    expect(waiting).toEqual(['refused', 'refused']);

    const stopped = new AbortController();
    const never = new ReadinessGate([{ name: 'x', check: () => Promise.reject(new Error('no')) }]);
    const result = await never.waitUntilReady({
      intervalMs: 1,
      sleep: () => {
        stopped.abort();
        return Promise.resolve();
      },
      signal: stopped.signal,
    });
    expect(result).toBe(false);
  });

  it('holds readiness back while an extra condition is set', async () => {
    const gate = new ReadinessGate([{ name: 'redis', check: () => Promise.resolve() }]);
    gate.setCondition('services', 'not started');
    await gate.runOnce();
    expect(gate.report()).toMatchObject({
      ready: false,
      checks: [
        { name: 'redis', ok: true },
        { name: 'services', ok: false, reason: 'not started' },
      ],
    });
    // The start-up wait ends on the checks alone: the condition is the stage after it.
    const waited = await gate.waitUntilReady({
      intervalMs: 1,
      sleep: () => Promise.reject(new Error('should not sleep')),
      signal: new AbortController().signal,
    });
    expect(waited).toBe(true);
    gate.setCondition('services', undefined);
    expect(gate.report().ready).toBe(true);
  });
});

describe('ReadinessGate answer bound', () => {
  it('reports a hung check as missing without holding back the others, and never runs it twice', async () => {
    let started = 0;
    let answer: (() => void) | undefined;
    const gate = new ReadinessGate([
      { name: 'redis', check: () => Promise.reject(new Error('refused')) },
      {
        name: 'aws g',
        check: () => {
          started += 1;
          return new Promise<void>(resolve => {
            answer = resolve;
          });
        },
      },
    ]);
    // The bound's timer fires on the next turn of the event loop: nothing sleeps on real time.
    const bound = {
      withinMs: 10_000,
      sleep: () => new Promise<void>(resolve => setImmediate(resolve)),
    };
    expect(await gate.runOnce(bound)).toEqual({
      ready: false,
      checks: [
        { name: 'redis', ok: false, reason: 'refused' },
        { name: 'aws g', ok: false, reason: 'no answer within 10000 ms, still checking' },
      ],
    });
    await gate.runOnce(bound);
    expect(started).toBe(1);
    answer?.();
    const after = await gate.runOnce(bound);
    expect(after.checks[1]).toEqual({ name: 'aws g', ok: true });
    // Settled, so the next round starts it again.
    void gate.runOnce(bound);
    expect(started).toBe(2);
  });
});
