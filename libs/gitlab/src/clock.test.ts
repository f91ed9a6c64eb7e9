import { unrefClock } from './clock';

describe('unrefClock', () => {
  it('ends a sleep early when its signal aborts', async () => {
    const controller = new AbortController();
    const startedAtMs = Date.now();
    const sleeping = unrefClock.sleep(60_000, controller.signal);
    controller.abort();
    await sleeping;
    expect(Date.now() - startedAtMs).toBeLessThan(1000);
  });

  it('returns at once for an already aborted signal', async () => {
    await expect(unrefClock.sleep(60_000, AbortSignal.abort())).resolves.toBeUndefined();
  });
});
