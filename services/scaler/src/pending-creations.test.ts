import type { InstanceState as MemberState } from '@taskfleet/fleeting';
import { TokenBucket } from '@taskfleet/taskscaler';
import { pino } from 'pino';

import type { TickContext } from './context';
import { expirePendingCreations, trimPendingCreations } from './pending-creations';

// Only the clock, the timeout, the memory and the logger are read by these functions.
function contextWith(pendingCreationsAtMs: number[], nowMs = 10_000): TickContext {
  return {
    nowMs,
    creationTimeoutMs: 5_000,
    logger: pino({ level: 'silent' }),
    memory: {
      pendingCreationsAtMs,
      bucket: TokenBucket.create(null, null, 0),
      lastScaleOutAtMs: undefined,
      lastScaleInAtMs: undefined,
      expectedDesiredCapacity: undefined,
    },
  } as unknown as TickContext;
}

const member = (id: string, state: MemberState['state']): MemberState => ({ id, state });

describe('pending creations', () => {
  it('gives up creations older than the create timeout', () => {
    const ctx = contextWith([4_000, 5_000, 6_000]);
    expect(expirePendingCreations(ctx)).toBe(2);
    expect(ctx.memory.pendingCreationsAtMs).toEqual([6_000]);
  });

  it('keeps only as many as the group is still launching, dropping the newest', () => {
    const ctx = contextWith([1, 2, 3]);
    // Desired 3 with two members counted: one launch is outstanding.
    const members = [
      member('i-1', 'running'),
      member('i-2', 'creating'),
      member('i-3', 'deleting'),
    ];
    expect(trimPendingCreations(ctx, members, 3)).toBe(2);
    expect(ctx.memory.pendingCreationsAtMs).toEqual([1]);
  });

  it('keeps them all while the group launches them, and when desired capacity is unknown', () => {
    const ctx = contextWith([1, 2]);
    expect(trimPendingCreations(ctx, [member('i-1', 'running')], 3)).toBe(0);
    expect(trimPendingCreations(ctx, [], undefined)).toBe(0);
    expect(ctx.memory.pendingCreationsAtMs).toEqual([1, 2]);
  });
});
