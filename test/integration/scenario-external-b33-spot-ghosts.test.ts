// B33 (kind 10, invariant 5): an instance the cloud ends with no notice (a spot reclaim, a
// termination from outside) is marked gone in the registry within one reconcile tick, in both
// directions: still listed as terminating (cloud → registry) or already gone from the group
// (registry → cloud). The tombstone takes it out of service and drops its claims in one step, so
// no claim lands on it afterwards; removals are counted by reason.
import type { TickOutcome } from '@taskfleet/scaler';

import { settingsWith, startScalerWorld } from './scaler-harness';
import type { ScalerWorld } from './scaler-harness';

jest.setTimeout(60_000);

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

async function endFromOutside(world: ScalerWorld, id: string, reason: 'user' | 'spot') {
  const response = await fetch(`${world.emulator.adminEndpoint}/instances/${id}/terminate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ reason }),
  });
  expect(response.ok).toBe(true);
}

describe('B33 ghost registrations after spot terminations', () => {
  let world: ScalerWorld;

  beforeEach(async () => {
    world = await startScalerWorld();
  });

  afterEach(async () => {
    await world.cleanup();
  });

  it('tombstones a reclaimed instance within one tick, drops its claim and never lets a claim land', async () => {
    // One slot each, so the two jobs sit on two instances.
    const scaler = world.scaler('scaler-a', settingsWith({ capacityPerInstance: 1 }));
    world.queued = 2;
    await world.tickUntil(scaler, async () => (await readyIds(world)).length === 2);
    world.queued = 0;
    const busy = await world.registry.claimSlot('job-6');
    const [idle] = (await readyIds(world)).filter(id => id !== busy?.instanceId);
    const spotted = busy?.instanceId ?? '';

    await endFromOutside(world, spotted, 'spot');
    world.clock.advance(100);
    const seen = led(await scaler.tick());
    expect(seen.reconcile.lost).toEqual([spotted]);
    expect(seen.removalsByReason).toMatchObject({ spot: 1 });
    expect(await world.registry.getInstance(spotted)).toMatchObject({
      state: 'deleting',
      reason: 'spot',
      claimedSlots: 0,
    });
    // The claim is gone with it: the job's executor fails it on its lost session (B45), and a
    // new claim (a GitLab retry) never lands on the dead instance.
    const retry = await world.registry.claimSlot('job-6-retry');
    expect(retry?.instanceId).toBe(idle);
    await world.registry.releaseSlot('job-6-retry');
    expect((await world.registry.snapshot()).claimedSlots).toBe(0);

    // The other one is ended from outside and has left the group before the next tick.
    await endFromOutside(world, idle ?? '', 'user');
    for (let i = 0; i < 20; i += 1) {
      world.clock.advance(1_000);
      await new Promise(resolve => setTimeout(resolve, 20));
      const members = (await world.group()).members.map(m => m.id);
      if (!members.includes(idle ?? '')) {
        break;
      }
    }
    const gone = led(await scaler.tick());
    expect(gone.reconcile.lost).toContain(idle);
    expect(gone.reconcile.cleared).toContain(idle);
    expect(gone.removalsByReason).toMatchObject({ external: 1 });
    // Counted once: later ticks do not count the spot instance again.
    expect(gone.removalsByReason.spot).toBeUndefined();
    expect(await world.registry.claimSlot('job-7')).toBeUndefined();
  });
});
