import { RequestGate } from './request-gate';
import type { RequestGateFigures, RequestGateSettings } from './request-gate';

function gate(settings: { maxConcurrency: number; adaptive: boolean }) {
  const current: { value: RequestGateSettings } = { value: settings };
  const reports: RequestGateFigures[] = [];
  const g = new RequestGate(
    () => current.value,
    figures => reports.push(figures),
  );
  return { g, current, reports };
}

/** Starts `n` acquires and reports which have been granted after the microtasks run. */
async function acquireMany(g: RequestGate, n: number, signal = new AbortController().signal) {
  const granted: boolean[] = Array<boolean>(n).fill(false);
  const done = Array.from({ length: n }, (_, i) =>
    g.acquire(signal).then(ok => {
      granted[i] = ok;
      return ok;
    }),
  );
  await Promise.resolve();
  await Promise.resolve();
  return { granted, done };
}

describe('RequestGate', () => {
  it('starts adaptive at one request in flight, the others wait', async () => {
    const { g } = gate({ maxConcurrency: 4, adaptive: true });
    const { granted } = await acquireMany(g, 4);
    expect(granted).toEqual([true, false, false, false]);
    expect(g.figures()).toEqual({ allowed: 1, adaptiveLimit: 1, inFlight: 1, waiting: 3 });
  });

  it('admits four at once with the flag off (the fixed request_concurrency)', async () => {
    const { g } = gate({ maxConcurrency: 4, adaptive: false });
    const { granted } = await acquireMany(g, 5);
    expect(granted).toEqual([true, true, true, true, false]);
    // Answers move nothing while the flag is off.
    g.release('throttled');
    expect(g.adaptiveLimit).toBe(1);
    expect(g.allowed).toBe(4);
  });

  it('lets one more in when a job raises the limit past the next whole number', async () => {
    const { g, reports } = gate({ maxConcurrency: 4, adaptive: true });
    const { granted } = await acquireMany(g, 3);
    g.release('job');
    await Promise.resolve();
    // 1.1 rounds up to 2: the two waiters go in, in arrival order.
    expect(granted).toEqual([true, true, true]);
    expect(g.inFlight).toBe(2);
    expect(reports.at(-1)).toEqual({ allowed: 2, adaptiveLimit: 1.1, inFlight: 2 });
  });

  it('never cuts a request short when the limit falls; new ones wait until below it', async () => {
    const { g } = gate({ maxConcurrency: 2, adaptive: true });
    const first = await acquireMany(g, 1);
    g.release('job');
    const two = await acquireMany(g, 2);
    expect(two.granted).toEqual([true, true]);
    g.release('throttled');
    const late = await acquireMany(g, 1);
    // Limit 1: the request still open stays open, the new one waits for it.
    expect([g.allowed, g.inFlight, late.granted[0]]).toEqual([1, 1, false]);
    g.release('empty');
    await Promise.resolve();
    expect(late.granted[0]).toBe(true);
    expect(first.granted[0]).toBe(true);
  });

  it('keeps the limit when a round sent no request (no capacity, or aborted)', async () => {
    const { g, reports } = gate({ maxConcurrency: 4, adaptive: true });
    await acquireMany(g, 1);
    g.release();
    expect(g.adaptiveLimit).toBe(1);
    expect(g.inFlight).toBe(0);
    expect(reports).toEqual([]);
  });

  it('gives up a wait when the stop signal aborts, leaving the count alone', async () => {
    const { g } = gate({ maxConcurrency: 2, adaptive: true });
    await acquireMany(g, 1);
    const stop = new AbortController();
    const waiting = await acquireMany(g, 1, stop.signal);
    stop.abort();
    expect(await waiting.done[0]).toBe(false);
    g.release('job');
    expect(g.inFlight).toBe(0);
    expect(await g.acquire(stop.signal)).toBe(false);
  });

  it('admits the waiters at once when a reload turns the flag off', async () => {
    const { g, current, reports } = gate({ maxConcurrency: 3, adaptive: true });
    const { granted } = await acquireMany(g, 3);
    expect(granted).toEqual([true, false, false]);
    current.value = { maxConcurrency: 3, adaptive: false };
    g.refresh();
    await Promise.resolve();
    expect(granted).toEqual([true, true, true]);
    expect(reports.at(-1)).toMatchObject({ allowed: 3, inFlight: 3 });
  });
});
