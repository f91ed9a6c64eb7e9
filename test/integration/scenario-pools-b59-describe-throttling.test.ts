// B59: 20 pools in one account share one DescribeAutoScalingGroups a round (up to 50 groups a
// call), start at jittered offsets, back off together on Throttling (slower next ticks, no
// decision on missing data), and one pool's broken group never stops the others.
import { DeleteAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import type { CallRecord } from '@taskfleet/emulator-aws';
import { startOffsetsMs } from '@taskfleet/scaler';

import { settingsWith } from './scaler-harness';
import { startPoolWorld } from './support/pool-world';
import type { PoolWorld } from './support/pool-world';

jest.setTimeout(60_000);

const intervalMs = 10_000;
const poolCount = 20;

/** A seeded uniform random, so offsets and back-off jitter repeat run to run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 48_271) % 2_147_483_647;
    return state / 2_147_483_647;
  };
}

function namesOf(call: CallRecord): string[] {
  return Object.entries(call.params)
    .filter(([key]) => key.startsWith('AutoScalingGroupNames.member.'))
    .map(([, value]) => String(value));
}

describe('B59 describe calls across many pools', () => {
  let world: PoolWorld;
  const offsets = startOffsetsMs(poolCount, intervalMs, seeded(59));

  beforeEach(async () => {
    world = await startPoolWorld({
      pools: poolCount,
      settings: settingsWith({
        updateIntervalMs: intervalMs,
        updateIntervalWhenExpectingMs: intervalMs,
        capacityPerInstance: 1,
        maxInstanceCount: 5,
      }),
      scalerOptions: index => ({ startOffsetMs: offsets[index] ?? 0 }),
      backoff: { baseMs: 2 * intervalMs, random: seeded(7) },
    });
  });

  afterEach(async () => {
    await world.cleanup();
  });

  it('one call a round names every group, shared by all 20 pools, with jittered starts', async () => {
    const startMs = world.clock.now();
    world.start();
    await world.runUntil(startMs + 6 * intervalMs - 1);
    const firstTicks = world.pools.map(p => (world.timers.fired.get(p.index) ?? [])[0] ?? -1);
    expect(firstTicks.map(at => at - startMs)).toEqual(offsets);
    expect(new Set(firstTicks).size).toBe(poolCount);
    // Every pool ticked once per interval …
    world.pools.forEach(p => {
      expect(world.timers.fired.get(p.index)).toHaveLength(6);
    });
    const describes = await world.calls('DescribeAutoScalingGroups');
    const ours = describes.filter(c => namesOf(c).length > 1);
    // … and the 120 ticks made one describe a round: the first round, then one per interval.
    expect(ours.length).toBeLessThanOrEqual(7);
    ours.forEach(call => {
      expect(namesOf(call).sort()).toEqual(world.pools.map(p => p.groupName).sort());
    });
    for (let k = 1; k < 6; k += 1) {
      const from = startMs + k * intervalMs;
      const inWindow = ours.filter(c => c.atMs >= from && c.atMs < from + intervalMs);
      expect(inWindow.length).toBeLessThanOrEqual(1);
    }
    expect(describes.length).toBe(ours.length);
  });

  it('Throttling backs every pool off: no decision on missing data, slower next ticks', async () => {
    world.pools.forEach(p => (p.queued = 2));
    await world.fault('/faults/throttle', {
      action: 'DescribeAutoScalingGroups',
      durationMs: 3 * intervalMs,
    });
    const startMs = world.clock.now();
    world.start();
    await world.runUntil(startMs + 3 * intervalMs);
    // Nothing was decided while the group could not be read.
    expect(await world.calls('SetDesiredCapacity')).toEqual([]);
    const throttled = (await world.calls('DescribeAutoScalingGroups')).filter(
      c => c.errorCode === 'Throttling',
    );
    // One throttled round, then the back-off held every pool off the API: no retry storm.
    expect(throttled.length).toBeGreaterThanOrEqual(1);
    expect(throttled.length).toBeLessThanOrEqual(2);
    const delays = world.timers.scheduled.filter(s => s.atMs >= startMs && s.delayMs > 0);
    expect(delays.some(d => d.delayMs > intervalMs)).toBe(true);
    // Once the fault is gone the pools go on and scale out.
    await world.runUntil(startMs + 12 * intervalMs);
    expect((await world.members()).every(n => n === 2)).toBe(true);
    const answered = (await world.calls('DescribeAutoScalingGroups')).filter(
      c => c.errorCode === undefined,
    );
    expect(answered.length).toBeLessThan(poolCount);
  });

  it('a pool whose group is gone fails alone; the others go on', async () => {
    world.pools.forEach(p => (p.queued = 1));
    const broken = world.pools[3];
    await world.clients.autoScaling.send(
      new DeleteAutoScalingGroupCommand({
        AutoScalingGroupName: broken?.groupName,
        ForceDelete: true,
      }),
    );
    const startMs = world.clock.now();
    world.start();
    await world.runUntil(startMs + 4 * intervalMs);
    const members = await world.members();
    members.forEach((count, index) => {
      expect(count).toBe(index === 3 ? 0 : 1);
    });
  });
});
