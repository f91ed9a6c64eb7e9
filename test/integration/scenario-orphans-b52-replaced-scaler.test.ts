// B52 (kind 2, invariant 5): the scaler host is replaced. The old process asked the group for
// workers and died before recording them, and one used worker's record was lost. The new scaler
// (new holder, empty memory) finds every worker through group membership and the pool's launch
// tags: never-used ones are adopted as idle and expire by idle_time, the used-but-unrecorded one
// is removed; the tags come from the launch template, never from a later CreateTags call.
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { OWNER_TAG_KEYS } from '@taskfleet/provider-aws';
import type { TickOutcome } from '@taskfleet/scaler';
import { Redis } from 'ioredis';

import { idleTimeMs, settingsWith, startScalerWorld } from './scaler-harness';
import type { ScalerWorld } from './scaler-harness';

jest.setTimeout(90_000);

const ownerTags = { clusterId: 'cluster-b52', pool: 'pool-a' };

function led(outcome: TickOutcome) {
  if (!outcome.led) {
    throw new Error('the scaler did not lead');
  }
  return outcome;
}

async function readyIds(world: ScalerWorld): Promise<string[]> {
  const snapshot = await world.registry.snapshot();
  return snapshot.instances.filter(i => i.state === 'ready').map(i => i.instanceId);
}

describe('B52 replaced scaler finds its workers', () => {
  let world: ScalerWorld;
  let redis: Redis;

  beforeEach(async () => {
    world = await startScalerWorld({ ownerTags, groupMaxSize: 6 });
    redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
  });

  afterEach(async () => {
    await redis.quit();
    await world.cleanup();
  });

  it('adopts never-used workers as idle, removes the used unrecorded one, and leaves none', async () => {
    const settings = settingsWith({ capacityPerInstance: 1, maxInstanceCount: 6 });
    const old = world.scaler('old-host-4242', settings);
    world.queued = 2;
    await world.tickUntil(old, async () => (await readyIds(world)).length === 2);
    world.queued = 0;
    const [used, known] = (await readyIds(world)).sort();
    // A job ran on `used`; then the old host asked for 3 more workers and died before recording
    // them (its memory never saved), and the record of `used` was lost with it.
    expect((await world.registry.claimSlot('job-52'))?.instanceId).toBeDefined();
    const claimedOn = (await world.registry.snapshot()).instances.find(i => i.claimedSlots > 0);
    await world.registry.releaseSlot('job-52');
    const usedId = claimedOn?.instanceId ?? used ?? '';
    const knownId = usedId === used ? (known ?? '') : (used ?? '');
    expect((await world.provider.increase(3)).requested).toBe(3);
    const base = world.registry.baseKey;
    await redis.del(
      `${base}:inst:${usedId}`,
      `${base}:inst:${usedId}:slots`,
      `${base}:scaler-state`,
    );
    await redis.srem(`${base}:instances`, usedId);
    await redis.zrem(`${base}:open`, usedId);
    await old.close();

    const next = world.scaler('new-host-777', settings, undefined, { orphanGraceMs: 5_000 });
    const outcomes = await world.tickUntil(next, async () => {
      const group = await world.group();
      const ready = await readyIds(world);
      return group.members.length === 4 && ready.length === 4;
    });
    const fresh = (await world.group()).members.map(m => m.id).filter(id => id !== knownId);
    expect(fresh).toHaveLength(3);
    const adopted = outcomes.flatMap(o => led(o).reconcile.adopted);
    expect([...adopted].sort()).toEqual([...fresh].sort());
    expect(outcomes.flatMap(o => led(o).reconcile.distrusted)).toEqual([usedId]);
    // Every worker is tracked: each member of the group has a record.
    const recorded = new Set((await world.registry.snapshot()).instances.map(i => i.instanceId));
    expect((await world.group()).members.filter(m => !recorded.has(m.id))).toEqual([]);

    // Adopted as idle, they expire by idle_time like any idle worker, and the fleet reaches zero.
    await world.tickUntil(
      next,
      async () => {
        const group = await world.group();
        return group.desired === 0 && group.members.length === 0;
      },
      { stepMs: idleTimeMs / 4, maxTicks: 12 },
    );

    // The ownership tags were on every instance from launch; nobody tagged later.
    expect(world.emulator.state.calls('CreateTags')).toEqual([]);
    const described = await world.clients.ec2.send(
      new DescribeInstancesCommand({ InstanceIds: [usedId, knownId, ...fresh] }),
    );
    const tagged = (described.Reservations ?? [])
      .flatMap(r => r.Instances ?? [])
      .map(i => i.Tags?.find(t => t.Key === OWNER_TAG_KEYS.pool)?.Value);
    expect(tagged).toEqual([
      ownerTags.pool,
      ownerTags.pool,
      ownerTags.pool,
      ownerTags.pool,
      ownerTags.pool,
    ]);
  });
});
