// Breaker (B38 × B36, invariant 4): during a long InsufficientInstanceCapacity window the group's
// desired capacity is raised but no member appears. Once the scaler's in-memory pending
// creations pass the creation timeout it asks again, on top of the desired capacity it already
// set, so desired capacity climbs past max_instances; when capacity returns, more instances launch
// than the cap allows.
import { settingsWith, startScalerWorld } from './scaler-harness';
import type { ScalerWorld } from './scaler-harness';

jest.setTimeout(120_000);

async function admin(world: ScalerWorld, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${world.emulator.adminEndpoint}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    throw new Error(`admin ${path} answered ${response.status}`);
  }
}

describe('B38 cap after failed launches', () => {
  let world: ScalerWorld;

  beforeEach(async () => {
    world = await startScalerWorld();
  });

  afterEach(async () => {
    await world.cleanup();
  });

  it('never sets desired capacity above max_instances, and never runs more than max_instances', async () => {
    const cap = 3;
    // 20 minutes on the emulator's manual clock, longer than the 10 min creation timeout.
    await admin(world, '/faults/insufficient-capacity', { durationMs: 20 * 60_000 });
    const scaler = world.scaler('breaker-b38', settingsWith({ maxInstanceCount: cap }));
    // 6 jobs at 2 per instance want 3 instances: exactly the cap.
    world.queued = 6;
    const desiredSeen: number[] = [];
    const membersSeen: number[] = [];
    // 30 ticks a minute apart: the window, then 10 minutes with capacity back.
    for (let i = 0; i < 30; i += 1) {
      world.clock.advance(60_000);
      await new Promise(resolve => setTimeout(resolve, 50));
      await scaler.tick();
      const group = await world.group();
      desiredSeen.push(group.desired);
      membersSeen.push(group.members.length);
    }
    // Invariant 4: desired capacity ≤ max_instances on every path, instances ≤ max_instances.
    expect({
      desiredAboveCap: desiredSeen.filter(d => d > cap),
      membersAboveCap: membersSeen.filter(m => m > cap),
    }).toEqual({ desiredAboveCap: [], membersAboveCap: [] });
  });
});
