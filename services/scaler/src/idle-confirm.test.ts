import type { InstanceRecord, RegistrySnapshot } from '@taskfleet/registry';

import type { ScalerRemoval } from './boot-failures';
import { IdleConfirmations } from './idle-confirm';

function record(overrides: Partial<InstanceRecord>): InstanceRecord {
  return {
    instanceId: 'i-1',
    state: 'ready',
    capacityPerInstance: 1,
    claimedSlots: 0,
    useCount: 0,
    maxUseCount: 0,
    createdAtMs: 1_000,
    readyAtMs: 2_000,
    lastJobEndedAtMs: undefined,
    idleSinceMs: 2_000,
    stateChangedAtMs: 2_000,
    failureCount: 0,
    reason: undefined,
    slots: new Map(),
    ...overrides,
  };
}

function snapshotOf(instances: InstanceRecord[]): RegistrySnapshot {
  return { instances } as unknown as RegistrySnapshot;
}

const idle: ScalerRemoval = { id: 'i-1', reason: 'idle_timeout', idleForMs: 90_000 };

describe('IdleConfirmations (B29)', () => {
  it('removes for idleness only after two idle passes at least idle_confirm apart', () => {
    const confirmations = new IdleConfirmations(30_000);
    confirmations.observe(snapshotOf([record({})]), 100_000);
    expect(confirmations.confirm([idle], 100_000)).toEqual({ confirmed: [], unconfirmed: ['i-1'] });
    confirmations.observe(snapshotOf([record({})]), 129_999);
    expect(confirmations.confirm([idle], 129_999).confirmed).toEqual([]);
    confirmations.observe(snapshotOf([record({})]), 130_000);
    expect(confirmations.confirm([idle], 130_000)).toEqual({ confirmed: [idle], unconfirmed: [] });
  });

  it('starts over when a pass sees a claim, or a job ran and ended in between', () => {
    const confirmations = new IdleConfirmations(30_000);
    confirmations.observe(snapshotOf([record({})]), 100_000);
    confirmations.observe(snapshotOf([record({ claimedSlots: 1 })]), 110_000);
    confirmations.observe(snapshotOf([record({})]), 140_000);
    expect(confirmations.confirm([idle], 140_000).confirmed).toEqual([]);
    // A job between two passes moves idle-since although both passes saw no claim.
    confirmations.observe(snapshotOf([record({ idleSinceMs: 150_000 })]), 171_000);
    expect(confirmations.confirm([idle], 171_000).confirmed).toEqual([]);
    confirmations.observe(snapshotOf([record({ idleSinceMs: 150_000 })]), 201_000);
    expect(confirmations.confirm([idle], 201_000).confirmed).toEqual([idle]);
  });

  it('never holds back removals that do not rest on idleness', () => {
    const confirmations = new IdleConfirmations(30_000);
    const others: ScalerRemoval[] = [
      { id: 'i-2', reason: 'unhealthy', idleForMs: 0 },
      { id: 'i-3', reason: 'boot_failed', idleForMs: 0 },
      { id: 'i-4', reason: 'max_use_count', idleForMs: 0 },
    ];
    expect(confirmations.confirm(others, 0)).toEqual({ confirmed: others, unconfirmed: [] });
    expect(
      confirmations.confirm([{ id: 'i-5', reason: 'excess', idleForMs: 0 }], 0).unconfirmed,
    ).toEqual(['i-5']);
  });
});
