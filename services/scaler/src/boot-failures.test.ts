import type { InstanceRecord, RegistrySnapshot } from '@taskfleet/registry';
import type { Removal } from '@taskfleet/taskscaler';

import { addBootOutcomes, bootFailureRatio, bootWindow, withBootFailures } from './boot-failures';

function record(id: string, overrides: Partial<InstanceRecord>): InstanceRecord {
  return {
    instanceId: id,
    state: 'booting',
    capacityPerInstance: 1,
    claimedSlots: 0,
    useCount: 0,
    maxUseCount: 0,
    createdAtMs: 1_000,
    readyAtMs: undefined,
    lastJobEndedAtMs: undefined,
    idleSinceMs: undefined,
    stateChangedAtMs: 1_000,
    failureCount: 0,
    reason: undefined,
    slots: new Map(),
    ...overrides,
  };
}

describe('withBootFailures (B40)', () => {
  it('names removals of instances that ran but never became ready boot_failed', () => {
    const snapshot = {
      instances: [
        record('i-booting', {}),
        record('i-creating', { state: 'creating' }),
        record('i-never-ready', { state: 'unhealthy', failureCount: 3 }),
        record('i-was-ready', { state: 'unhealthy', readyAtMs: 2_000, failureCount: 3 }),
      ],
    } as unknown as RegistrySnapshot;
    const removals: Removal[] = [
      { id: 'i-booting', reason: 'creation_timeout', idleForMs: 0 },
      { id: 'i-creating', reason: 'creation_timeout', idleForMs: 0 },
      { id: 'i-never-ready', reason: 'unhealthy', idleForMs: 0 },
      { id: 'i-was-ready', reason: 'unhealthy', idleForMs: 0 },
    ];
    expect(withBootFailures(removals, snapshot).map(r => r.reason)).toEqual([
      'boot_failed',
      'creation_timeout',
      'boot_failed',
      'unhealthy',
    ]);
  });
});

describe('boot failure ratio', () => {
  it('is failures over the last boots, 0 before any', () => {
    expect(bootFailureRatio('')).toBe(0);
    const window = addBootOutcomes(addBootOutcomes('', 4, 0), 0, 1);
    expect(window).toBe('rrrrf');
    expect(bootFailureRatio(window)).toBeCloseTo(0.2);
  });

  it('keeps only the newest boots', () => {
    const window = addBootOutcomes('f'.repeat(bootWindow), bootWindow - 1, 0);
    expect(window).toHaveLength(bootWindow);
    expect(bootFailureRatio(window)).toBeCloseTo(1 / bootWindow);
  });
});
