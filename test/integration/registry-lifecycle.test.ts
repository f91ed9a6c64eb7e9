// Registry instance lifecycle and the leader lease with fencing tokens, against real Redis.
import { RegistryError } from '@taskfleet/registry';

import { registryHarness } from './registry-harness';

const h = registryHarness('lifecycle');
afterAll(() => h.cleanup());

async function leader(runnerKey = 'runner-1'): Promise<{ token: number }> {
  const registry = h.open(runnerKey);
  const lease = await registry.acquireLease('scaler-a', 30_000);
  if (!lease.acquired) {
    throw new Error('lease not acquired');
  }
  return { token: lease.fencingToken };
}

describe('leader lease', () => {
  it('gives a second holder nothing while the lease lives, and a larger token after expiry', async () => {
    const a = h.open('lease-1');
    const b = h.open('lease-1');
    const first = await a.acquireLease('scaler-a', 10_000);
    expect(first.acquired).toBe(true);
    const refused = await b.acquireLease('scaler-b', 10_000);
    expect(refused).toEqual({
      acquired: false,
      holderId: 'scaler-a',
      expiresAtMs: h.clock.nowMs + 10_000,
    });
    // The holder asking again keeps its token.
    const again = await a.acquireLease('scaler-a', 10_000);
    expect(again.acquired && first.acquired && again.fencingToken === first.fencingToken).toBe(
      true,
    );
    h.clock.advance(10_001);
    const taken = await b.acquireLease('scaler-b', 10_000);
    expect(taken.acquired && first.acquired && taken.fencingToken > first.fencingToken).toBe(true);
    // The paused old leader can neither renew nor release the lease it lost.
    expect(await a.renewLease('scaler-a', first.acquired ? first.fencingToken : 0, 10_000)).toBe(
      false,
    );
    expect(await a.releaseLease('scaler-a', first.acquired ? first.fencingToken : 0)).toBe(false);
  });

  it('refuses every scaler-side script with a stale token (a paused old leader cannot act)', async () => {
    const old = h.open('lease-2');
    const next = h.open('lease-2');
    const oldLease = await old.acquireLease('scaler-old', 5_000);
    if (!oldLease.acquired) {
      throw new Error('lease not acquired');
    }
    await old.registerInstance(oldLease.fencingToken, {
      instanceId: 'i-1',
      state: 'booting',
      capacityPerInstance: 1,
      maxUseCount: 0,
    });
    h.clock.advance(5_001);
    const newLease = await next.acquireLease('scaler-new', 5_000);
    expect(newLease.acquired).toBe(true);
    const stale = oldLease.fencingToken;
    const attempts: Promise<unknown>[] = [
      old.registerInstance(stale, {
        instanceId: 'i-2',
        state: 'creating',
        capacityPerInstance: 1,
        maxUseCount: 0,
      }),
      old.markReady('i-1', stale),
      old.markUnhealthy('i-1', stale, 'x'),
      old.recordFailure('i-1', stale, 3, 'x'),
      old.recordHeartbeat('i-1', stale),
      old.beginDrain('i-1', stale, { reason: 'idle' }),
      old.recordTerminationIntent('i-1', stale, 'idle'),
      old.markDeleting('i-1', stale, 'x'),
      old.clearInstance('i-1', stale),
    ];
    for (const attempt of attempts) {
      await expect(attempt).rejects.toMatchObject({
        code: 'stale_fencing_token',
        retryable: false,
      });
    }
    const record = await next.getInstance('i-1');
    expect(record?.state).toBe('booting');
  });

  it('gives the lease to exactly one of many replicas racing for it', async () => {
    const replicas = Array.from({ length: 6 }, () => h.open('lease-race'));
    const results = await Promise.all(
      replicas.map((r, i) => r.acquireLease(`scaler-${i}`, 10_000)),
    );
    const winners = results.filter(r => r.acquired);
    expect(winners).toHaveLength(1);
    const holders = new Set(results.map(r => (r.acquired ? 'winner' : r.holderId)));
    expect(holders.size).toBe(2);
  });

  it('refuses a token whose lease expired even if nobody took over', async () => {
    const registry = h.open('lease-3');
    const lease = await registry.acquireLease('scaler-a', 1_000);
    if (!lease.acquired) {
      throw new Error('lease not acquired');
    }
    h.clock.advance(1_000);
    await expect(
      registry.registerInstance(lease.fencingToken, {
        instanceId: 'i-1',
        state: 'creating',
        capacityPerInstance: 1,
        maxUseCount: 0,
      }),
    ).rejects.toBeInstanceOf(RegistryError);
  });
});

describe('instance lifecycle', () => {
  it('registers idempotently and walks creating → booting → ready', async () => {
    const { token } = await leader();
    const registry = h.open();
    const input = {
      instanceId: 'i-life',
      state: 'creating',
      capacityPerInstance: 2,
      maxUseCount: 3,
    } as const;
    expect(await registry.registerInstance(token, input)).toEqual({
      created: true,
      state: 'creating',
    });
    await registry.markBooting('i-life', token, { internalAddress: '127.0.0.5' });
    expect(await registry.registerInstance(token, input)).toEqual({
      created: false,
      state: 'booting',
    });
    await expect(registry.claimSlot('job-early')).resolves.toBeUndefined();
    h.clock.advance(1_000);
    await registry.markReady('i-life', token);
    const record = await registry.getInstance('i-life');
    expect(record).toMatchObject({
      state: 'ready',
      capacityPerInstance: 2,
      maxUseCount: 3,
      useCount: 0,
      readyAtMs: h.clock.nowMs,
      idleSinceMs: h.clock.nowMs,
      internalAddress: '127.0.0.5',
    });
    await expect(registry.markBooting('i-life', token)).rejects.toMatchObject({
      code: 'invalid_transition',
    });
    await expect(registry.markReady('i-none', token)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('turns unhealthy at failure_threshold, resets on a heartbeat, and gives no claims', async () => {
    const { token: t } = await leader('health');
    const registry = h.open('health');
    await registry.registerInstance(t, {
      instanceId: 'i-h',
      state: 'booting',
      capacityPerInstance: 1,
      maxUseCount: 0,
    });
    await registry.markReady('i-h', t);
    expect(await registry.recordFailure('i-h', t, 3, 'heartbeat')).toEqual({
      failureCount: 1,
      unhealthy: false,
    });
    await registry.recordHeartbeat('i-h', t);
    expect(await registry.recordFailure('i-h', t, 3, 'heartbeat')).toEqual({
      failureCount: 1,
      unhealthy: false,
    });
    expect(await registry.recordFailure('i-h', t, 3, 'heartbeat')).toEqual({
      failureCount: 2,
      unhealthy: false,
    });
    expect(await registry.recordFailure('i-h', t, 3, 'heartbeat')).toEqual({
      failureCount: 3,
      unhealthy: true,
    });
    await expect(registry.claimSlot('job-h')).resolves.toBeUndefined();
    const snapshot = await registry.snapshot();
    expect(snapshot.instancesByState.unhealthy).toBe(1);
    expect(snapshot.unavailableSlots).toBe(1);
    expect(snapshot.idleReadySlots).toBe(0);
  });

  it('rejects ids that would break the key layout', async () => {
    const registry = h.open();
    await expect(registry.claimSlot('a:slots')).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(() => h.open('bad}{tag')).toThrow(RegistryError);
  });
});
