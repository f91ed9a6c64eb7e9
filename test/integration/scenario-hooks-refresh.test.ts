// Field reports B51 and B01 on the AWS emulator (real sshd, manual clock) and real Redis: an
// ASG-initiated termination held by a termination lifecycle hook drains the instance, keeps the
// hold alive with heartbeats while its job runs, completes it when the job ends, and the held
// instance keeps counting toward the cap and the capacity in use.
import type { SshConnection } from '@taskfleet/fleeting';
import type { Scaler, TickOutcome } from '@taskfleet/scaler';

import { settingsWith, startScalerWorld } from './scaler-harness';
import type { ScalerWorld } from './scaler-harness';
import {
  callsOf,
  groupNameOf,
  openSession,
  putTerminationHook,
  startInstanceRefresh,
} from './support/hook-scenario';

jest.setTimeout(120_000);

const heartbeatTimeoutS = 30;
// Ticks 5 s apart on the manual clock stay well inside the leader lease (three intervals).
const updateIntervalMs = 10_000;
const led = (o: TickOutcome) => (o.led ? o : undefined);

async function readyIds(world: ScalerWorld): Promise<string[]> {
  const snapshot = await world.registry.snapshot();
  return snapshot.instances.filter(i => i.state === 'ready').map(i => i.instanceId);
}

/** Runs `count` ticks, the clock moving `stepMs` before each. */
async function ticks(world: ScalerWorld, scaler: Scaler, count: number, stepMs: number) {
  return world
    .tickUntil(scaler, () => true, { stepMs, maxTicks: 1 })
    .then(async first => {
      const outcomes = [...first];
      for (let i = 1; i < count; i += 1) {
        outcomes.push(...(await world.tickUntil(scaler, () => true, { stepMs, maxTicks: 1 })));
      }
      return outcomes;
    });
}

async function stateOf(world: ScalerWorld, id: string): Promise<string | undefined> {
  return (await world.registry.getInstance(id))?.state;
}

describe('B51 instance refresh with busy instances', () => {
  let world: ScalerWorld;
  const sessions: SshConnection[] = [];

  beforeEach(async () => {
    world = await startScalerWorld();
  });

  afterEach(async () => {
    await Promise.all(sessions.splice(0).map(s => s.close()));
    await world.cleanup();
  });

  it('drains, heartbeats until the jobs end, completes with CONTINUE, and no job fails', async () => {
    const groupName = await groupNameOf(world);
    await putTerminationHook(world, groupName, heartbeatTimeoutS);
    const settings = settingsWith({
      capacityPerInstance: 1,
      maxInstanceCount: 4,
      updateIntervalMs,
    });
    const scaler = world.scaler('scaler-a', settings);
    world.queued = 4;
    await world.tickUntil(scaler, async () => (await readyIds(world)).length === 4);
    const busy = await readyIds(world);
    for (const [index] of busy.entries()) {
      expect(await world.registry.claimSlot(`job-${index}`)).toBeDefined();
    }
    world.queued = 0;
    // Each job holds an SSH session, as an executor running it does.
    for (const id of busy) {
      sessions.push(await openSession(world, id));
    }

    const refreshed = await startInstanceRefresh(world, groupName, {
      replacement: 'after-termination',
    });
    expect(refreshed.sort()).toEqual([...busy].sort());

    // Three hook timeouts pass while the jobs run: only our heartbeats keep AWS waiting.
    await ticks(world, scaler, 18, 5_000);
    const group = await world.group();
    for (const id of busy) {
      expect(group.members).toContainEqual({ id, lifecycleState: 'Terminating:Wait' });
      expect(await stateOf(world, id)).toBe('deleting');
    }
    expect(await world.registry.claimSlot('job-late')).toBeUndefined();
    const heartbeats = callsOf(world, 'RecordLifecycleActionHeartbeat');
    for (const id of busy) {
      const sent = heartbeats.filter(c => c.params.InstanceId === id && c.httpStatus === 200);
      expect(sent.length).toBeGreaterThanOrEqual(3);
    }
    expect(callsOf(world, 'CompleteLifecycleAction')).toEqual([]);
    // Every job's session is still alive and runs commands.
    for (const session of sessions) {
      expect((await session.run({ command: 'echo still-running' })).exitCode).toBe(0);
    }

    // The jobs end: the next tick completes each action with CONTINUE.
    for (const [index] of busy.entries()) {
      await world.registry.releaseSlot(`job-${index}`);
    }
    const ending = await world.tickUntil(
      scaler,
      o => (led(o)?.removalHolds.released.length ?? 0) > 0,
      {
        maxTicks: 1,
      },
    );
    expect([...(led(ending[0] as TickOutcome)?.removalHolds.released ?? [])].sort()).toEqual(
      [...busy].sort(),
    );
    const completed = callsOf(world, 'CompleteLifecycleAction');
    expect(
      completed.map(c => [c.params.InstanceId, c.params.LifecycleActionResult]).sort(),
    ).toEqual(busy.map(id => [id, 'CONTINUE']).sort());
    expect(completed.every(c => c.httpStatus === 200)).toBe(true);

    // The old members go; the replacements the refresh launched are not ours and go too (idle 0).
    await world.tickUntil(
      scaler,
      async () => {
        const now = await world.group();
        return now.desired === 0 && now.members.length === 0;
      },
      { stepMs: 5_000 },
    );
    expect((await world.registry.snapshot()).instances).toEqual([]);
  });
});

describe('B01 deleting instances still counted', () => {
  let world: ScalerWorld;

  beforeEach(async () => {
    world = await startScalerWorld();
  });

  afterEach(async () => {
    await world.cleanup();
  });

  it('keeps desired at 3 with no launch while i-2 is held, then falls to 2 once it is gone', async () => {
    const groupName = await groupNameOf(world);
    await putTerminationHook(world, groupName, heartbeatTimeoutS);
    const settings = settingsWith({
      capacityPerInstance: 1,
      maxInstanceCount: 5,
      updateIntervalMs,
    });
    const scaler = world.scaler('scaler-a', settings);
    world.queued = 3;
    await world.tickUntil(scaler, async () => (await readyIds(world)).length === 3);
    const [first = '', second = '', third = ''] = await readyIds(world);
    for (const job of ['job-1', 'job-2', 'job-3']) {
      await world.registry.claimSlot(job);
    }
    const onSecond = (await world.registry.getInstance(second))?.slots.values().next().value;
    world.queued = 0;
    const launchesBefore = callsOf(world, 'SetDesiredCapacity').length;

    // The group moves i-2 to Terminating:Wait while its job still runs.
    expect(
      await startInstanceRefresh(world, groupName, {
        instanceIds: [second],
        replacement: 'after-termination',
      }),
    ).toEqual([second]);
    await ticks(world, scaler, 6, 5_000);
    const held = await world.group();
    expect(held.desired).toBe(3);
    expect(held.members).toHaveLength(3);
    expect(held.members).toContainEqual({ id: second, lifecycleState: 'Terminating:Wait' });
    expect(callsOf(world, 'SetDesiredCapacity').length).toBe(launchesBefore);
    // A new job finds no slot: i-2 takes no claim, and i-1 and i-3 are full.
    expect(await world.registry.claimSlot('job-new')).toBeUndefined();
    expect(await stateOf(world, second)).toBe('deleting');

    // Its job ends: the action completes, i-2 goes, and desired settles at 2 for the two busy.
    const jobOnSecond = ['job-1', 'job-2', 'job-3'].find(job => job === onSecond) ?? '';
    await world.registry.releaseSlot(jobOnSecond);
    await world.tickUntil(
      scaler,
      async () => {
        const now = await world.group();
        return now.desired === 2 && now.members.length === 2;
      },
      { stepMs: 5_000 },
    );
    const after = await world.group();
    expect(after.members.map(m => m.id).sort()).toEqual([first, third].sort());
    expect(callsOf(world, 'SetDesiredCapacity').length).toBe(launchesBefore);
  });
});
