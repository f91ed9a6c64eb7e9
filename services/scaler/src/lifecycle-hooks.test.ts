import { FleetingError } from '@taskfleet/fleeting';
import { FakeInstanceGroup } from '@taskfleet/fleeting/testing';
import type { InstanceRecord, RegistrySnapshot } from '@taskfleet/registry';
import { TokenBucket } from '@taskfleet/taskscaler';
import { pino } from 'pino';

import type { TickContext } from './context';
import { tendRemovalHolds } from './lifecycle-hooks';

const holdTimeoutMs = 60_000;

function record(instanceId: string, state: InstanceRecord['state'], claimed: number) {
  return {
    instanceId,
    state,
    capacityPerInstance: 1,
    claimedSlots: claimed,
    useCount: claimed,
    maxUseCount: 0,
    createdAtMs: 0,
    readyAtMs: 0,
    lastJobEndedAtMs: undefined,
    idleSinceMs: 0,
    stateChangedAtMs: 0,
    failureCount: 0,
    reason: undefined,
    slots: new Map(),
  } satisfies InstanceRecord;
}

function snapshotOf(instances: InstanceRecord[]): RegistrySnapshot {
  return { instances } as Partial<RegistrySnapshot> as RegistrySnapshot;
}

describe('tendRemovalHolds', () => {
  let nowMs: number;
  let group: FakeInstanceGroup;
  let ctx: TickContext;
  let ids: string[];

  beforeEach(async () => {
    nowMs = 0;
    group = new FakeInstanceGroup({ now: () => nowMs, bootDelayMs: 0 });
    await group.increase(2);
    ids = group.snapshot().map(m => m.id);
    ctx = {
      provider: group,
      settings: { updateIntervalMs: 5_000 },
      logger: pino({ enabled: false }),
      memory: { pendingCreationsAtMs: [], bucket: TokenBucket.create(null, null, 0) },
      get nowMs() {
        return nowMs;
      },
    } as unknown as TickContext;
  });

  it('extends a busy held member at once, then only when half the timeout would pass', async () => {
    const [busy = ''] = ids;
    group.holdRemoval(busy, holdTimeoutMs);
    const snapshot = snapshotOf([record(busy, 'deleting', 1)]);

    expect(await tendRemovalHolds(ctx, await group.update(), snapshot)).toEqual({
      extended: [busy],
      released: [],
      waiting: [],
    });
    nowMs += 5_000;
    expect((await tendRemovalHolds(ctx, await group.update(), snapshot)).waiting).toEqual([busy]);
    // 25 s since the last extension plus one 5 s tick reaches half of 60 s.
    nowMs += 20_000;
    expect((await tendRemovalHolds(ctx, await group.update(), snapshot)).extended).toEqual([busy]);
    expect(group.holdExtensions(busy)).toBe(2);
    // Kept well past the timeout: the fake cloud never went ahead while the job ran.
    for (let step = 0; step < 30; step += 1) {
      nowMs += 5_000;
      await tendRemovalHolds(ctx, await group.update(), snapshot);
    }
    expect(group.snapshot().find(m => m.id === busy)?.removalHold).toBeDefined();
  });

  it('releases a held member once it has no claim, and one we never recorded', async () => {
    const [idle = '', unknown = ''] = ids;
    group.holdRemoval(idle, holdTimeoutMs);
    group.holdRemoval(unknown, holdTimeoutMs);
    const report = await tendRemovalHolds(
      ctx,
      await group.update(),
      snapshotOf([record(idle, 'deleting', 0)]),
    );
    expect([...report.released].sort()).toEqual([idle, unknown].sort());
    expect(group.snapshot().every(m => m.removalHold === undefined)).toBe(true);
  });

  it('waits on an idle held member the registry has not marked deleting yet', async () => {
    const [member = ''] = ids;
    group.holdRemoval(member, holdTimeoutMs);
    const report = await tendRemovalHolds(
      ctx,
      await group.update(),
      snapshotOf([record(member, 'ready', 0)]),
    );
    expect(report).toEqual({ extended: [], released: [], waiting: [member] });
    expect(group.holdExtensions(member)).toBe(0);
  });

  it('logs a failed call and goes on with the other members', async () => {
    const [first = '', second = ''] = ids;
    group.holdRemoval(first, holdTimeoutMs);
    group.holdRemoval(second, holdTimeoutMs);
    const members = await group.update();
    const failing = jest
      .spyOn(group, 'extendRemovalHold')
      .mockRejectedValueOnce(new FleetingError('throttled', 'could not extend: throttled'));
    const report = await tendRemovalHolds(
      ctx,
      members,
      snapshotOf([record(first, 'deleting', 1), record(second, 'deleting', 1)]),
    );
    expect(failing).toHaveBeenCalledTimes(2);
    expect(report.extended).toEqual([second]);
  });
});
