// readLeaderLease, the watchers' view of the scaler lease, on real Redis: it sees what the
// lease scripts wrote, and neither a released nor an expired lease counts as a leader.
import { readLeaderLease } from '@taskfleet/registry';

import { registryHarness } from './registry-harness';

const harness = registryHarness('lease-reader');

afterAll(async () => {
  await harness.cleanup();
});

describe('readLeaderLease', () => {
  it('is undefined before any scaler leads', async () => {
    const registry = harness.open('never-led');
    expect(
      await readLeaderLease(harness.raw(), registry.baseKey, harness.clock.now()),
    ).toBeUndefined();
  });

  it('names the holder while its lease lives and not after it expires', async () => {
    const registry = harness.open('led');
    const lease = await registry.acquireLease('scaler-a', 10_000);
    expect(lease.acquired).toBe(true);
    const read = (): ReturnType<typeof readLeaderLease> =>
      readLeaderLease(harness.raw(), registry.baseKey, harness.clock.now());
    expect(await read()).toEqual({
      holderId: 'scaler-a',
      expiresAtMs: harness.clock.now() + 10_000,
    });
    harness.clock.advance(10_000);
    expect(await read()).toBeUndefined();
  });

  it('is undefined once the holder gives the lease up', async () => {
    const registry = harness.open('released');
    const lease = await registry.acquireLease('scaler-b', 10_000);
    if (!lease.acquired) {
      throw new Error('lease not acquired');
    }
    await registry.releaseLease('scaler-b', lease.fencingToken);
    expect(
      await readLeaderLease(harness.raw(), registry.baseKey, harness.clock.now()),
    ).toBeUndefined();
  });
});
