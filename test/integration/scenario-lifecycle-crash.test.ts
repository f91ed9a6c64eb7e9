// Issue #4 crash safety on the AWS emulator (real sshd instances, manual clock) and real Redis:
// a scaler that dies or closes in the middle of its removals leaks nothing (B08), its memory
// (pending creations, throttle) survives a change of leader, a paused old leader cannot write,
// and delete_instances_on_shutdown removes idle instances with bounded retries, never a busy one.
import type { Scaler, TickOutcome } from '@taskfleet/scaler';

import { settingsWith, startScalerWorld } from './scaler-harness';
import type { ScalerWorld } from './scaler-harness';
import { checkCapacityCalls, liveInstanceIds } from './support/capacity-calls';

jest.setTimeout(120_000);

const led = (o: TickOutcome) => (o.led ? o : undefined);

async function readyIds(world: ScalerWorld): Promise<string[]> {
  const snapshot = await world.registry.snapshot();
  return snapshot.instances.filter(i => i.state === 'ready').map(i => i.instanceId);
}

/** A promise the test opens by hand. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const opened = new Promise<void>(resolve => {
    open = resolve;
  });
  return { opened, open };
}

async function groupEmpty(world: ScalerWorld): Promise<boolean> {
  const group = await world.group();
  const snapshot = await world.registry.snapshot();
  return group.members.length === 0 && group.desired === 0 && snapshot.instances.length === 0;
}

describe('B08 shutdown drain leaks', () => {
  let world: ScalerWorld;
  // One-shot instances, one job each: six jobs make six instances that all go after their job.
  const settings = settingsWith({ capacityPerInstance: 1, maxUseCount: 1, maxInstanceCount: 6 });

  beforeEach(async () => {
    world = await startScalerWorld({ groupMaxSize: 6 });
  });

  afterEach(async () => {
    await world.cleanup();
  });

  /** Six ready instances, each running one job that has just finished. */
  async function sixFinishedJobs(scaler: Scaler): Promise<string[]> {
    world.queued = 6;
    await world.tickUntil(scaler, async () => (await readyIds(world)).length === 6);
    world.queued = 0;
    for (let i = 0; i < 6; i += 1) {
      expect(await world.registry.claimSlot(`job-${i}`)).toBeDefined();
    }
    expect(led(await scaler.tick())?.removals).toEqual([]);
    for (let i = 0; i < 6; i += 1) {
      await world.registry.releaseSlot(`job-${i}`);
    }
    return (await world.registry.snapshot()).instances.map(i => i.instanceId).sort();
  }

  it('a scaler that dies mid-removal leaves durable intents the next process finishes within one tick', async () => {
    const frozen = gate();
    const reached = gate();
    let sends = 0;
    const old = world.scaler('scaler-old', settings, undefined, {
      hooks: {
        beforeTerminationSent: async () => {
          sends += 1;
          if (sends === 3) {
            // The process stops here for good: intent recorded, cloud not called.
            reached.open();
            await frozen.opened;
          }
        },
      },
    });
    const ids = await sixFinishedJobs(old);
    const dying = old.tick();
    await reached.opened;
    expect(checkCapacityCalls(world.emulator, 6).terminated).toHaveLength(2);
    const intents = (await world.registry.snapshot()).terminationIntents;
    expect(intents.filter(i => i.sentAtMs === undefined)).toHaveLength(1);

    // The old lease runs out; a new process takes over and needs one tick.
    world.clock.advance(3_001);
    const next = world.scaler('scaler-new', settings);
    const first = led(await next.tick());
    expect(first?.reconcile.resent).toHaveLength(1);
    expect(first?.apply.terminated).toHaveLength(3);
    const afterOne = await world.group();
    expect(afterOne.desired).toBe(0);
    expect(afterOne.members.every(m => m.lifecycleState.startsWith('Terminat'))).toBe(true);
    const calls = checkCapacityCalls(world.emulator, 6);
    expect(calls.violations).toEqual([]);
    expect([...calls.terminated].sort()).toEqual(ids);

    // The frozen process wakes up: its lease is gone, so it never reaches the cloud again.
    frozen.open();
    await expect(dying).rejects.toMatchObject({ code: 'stale_fencing_token' });
    expect(checkCapacityCalls(world.emulator, 6).terminated).toHaveLength(6);

    await world.tickUntil(next, () => groupEmpty(world));
    expect(liveInstanceIds(world.emulator)).toEqual([]);
  });

  it('close() during a removal waits for the removals in flight; nothing is left behind', async () => {
    const held = gate();
    const reached = gate();
    let sends = 0;
    const scaler = world.scaler('scaler-a', settings, undefined, {
      hooks: {
        beforeTerminationSent: async () => {
          sends += 1;
          if (sends === 3) {
            reached.open();
            await held.opened;
          }
        },
      },
    });
    const ids = await sixFinishedJobs(scaler);
    const ticking = scaler.tick();
    await reached.opened;
    let closed = false;
    const closing = scaler.close().then(() => {
      closed = true;
    });
    await new Promise(resolve => setTimeout(resolve, 100));
    // Not done while a removal is in flight (the B08 bug counted it as done and exited).
    expect(closed).toBe(false);
    held.open();
    const outcome = led(await ticking);
    await closing;
    expect([...(outcome?.apply.terminated ?? [])].sort()).toEqual(ids);
    expect(outcome?.removalsByReason).toEqual({ max_use_count: 6 });
    expect((await world.group()).desired).toBe(0);
    expect((await world.registry.snapshot()).terminationIntents.every(i => i.attempts === 1)).toBe(
      true,
    );
    // A later process finds nothing to do but wait for the group to empty.
    const next = world.scaler('scaler-b', settings);
    const outcomes = await world.tickUntil(next, () => groupEmpty(world));
    expect(outcomes.flatMap(o => led(o)?.apply.terminated ?? [])).toEqual([]);
    expect(outcomes.flatMap(o => led(o)?.reconcile.resent ?? [])).toEqual([]);
    expect(checkCapacityCalls(world.emulator, 6).violations).toEqual([]);
  });
});

describe('scaler memory across leaders', () => {
  let world: ScalerWorld;

  beforeEach(async () => {
    world = await startScalerWorld();
  });

  afterEach(async () => {
    await world.cleanup();
  });

  it('a new leader adopts the creations its predecessor asked for and keeps its throttle', async () => {
    const settings = settingsWith({ scaleThrottle: { limitPerSecond: 0.1, burst: 2 } });
    const first = world.scaler('scaler-a', settings);
    world.queued = 6;
    const asked = led(await first.tick());
    expect(asked?.apply.requested).toBe(2);
    expect(asked?.pendingCreations).toBe(2);
    // The leader dies before the group lists its instances as its own.
    world.clock.advance(3_001);
    const second = world.scaler('scaler-b', settings);
    const outcomes = await world.tickUntil(
      second,
      async () => (await readyIds(world)).length === 2,
      {
        stepMs: 500,
      },
    );
    const adopted = outcomes.flatMap(o => led(o)?.reconcile.adopted ?? []);
    expect(adopted).toHaveLength(2);
    expect(outcomes.flatMap(o => led(o)?.reconcile.distrusted ?? [])).toEqual([]);
    // The bucket came over empty: no new token within these few seconds (0.1 per second).
    expect(outcomes.reduce((n, o) => n + (led(o)?.apply.granted ?? 0), 0)).toBe(0);
    expect((await world.group()).desired).toBe(2);
  });

  it('a paused old leader cannot overwrite the memory of its successor', async () => {
    const first = world.scaler('scaler-a', settingsWith());
    world.queued = 1;
    expect(led(await first.tick())?.apply.requested).toBe(1);
    const oldToken = (await world.registry.acquireLease('scaler-a', 3_000)) as {
      fencingToken: number;
    };
    world.clock.advance(3_001);
    const second = world.scaler('scaler-b', settingsWith());
    expect((await second.tick()).led).toBe(true);
    const before = await world.registry.readScalerState();
    await expect(
      world.registry.writeScalerState(oldToken.fencingToken, { lastScaleOutAtMs: '1' }),
    ).rejects.toMatchObject({ code: 'stale_fencing_token' });
    expect(await world.registry.readScalerState()).toEqual(before);
    expect(before.lastScaleOutAtMs).not.toBe('1');
  });

  it('a creation written ahead of an increase that never reached the cloud is dropped', async () => {
    const scaler = world.scaler('scaler-a', settingsWith());
    world.queued = 2;
    // The increase call fails after the creations were written: they must not hold the cap.
    await fetch(`${world.emulator.adminEndpoint}/faults/error`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'SetDesiredCapacity', code: 'InternalFailure', calls: 1 }),
    });
    const failed = led(await scaler.tick());
    expect(failed?.apply.requested).toBe(0);
    expect(failed?.pendingCreations).toBe(0);
    expect(failed?.apply.increaseError?.code).toBeDefined();
    world.clock.advance(1_000);
    expect(led(await scaler.tick())?.apply.requested).toBe(1);
    expect((await world.group()).desired).toBe(1);
  });
});

describe('delete_instances_on_shutdown', () => {
  it('removes every idle instance on close with bounded retries and keeps a busy one until its job ends', async () => {
    const world = await startScalerWorld();
    try {
      let jobEnds = 2;
      // Each shutdown wait moves the manual clock; the second one ends the running job.
      const timers = {
        setTimeout: (callback: () => void, delayMs: number) => {
          world.clock.advance(delayMs);
          jobEnds -= 1;
          const run = async () => {
            if (jobEnds === 0) {
              await world.registry.releaseSlot('job-busy');
            }
            callback();
          };
          return setTimeout(() => void run(), 50);
        },
        clearTimeout: (handle: unknown) => {
          clearTimeout(handle as ReturnType<typeof setTimeout>);
        },
      };
      const scaler = world.scaler(
        'scaler-a',
        settingsWith({
          deleteInstancesOnShutdown: true,
          shutdownDeletionIntervalMs: 1_000,
          shutdownDeletionRetries: 4,
        }),
        timers,
      );
      world.queued = 6;
      await world.tickUntil(scaler, async () => (await readyIds(world)).length === 3);
      world.queued = 0;
      const busy = await world.registry.claimSlot('job-busy');
      await scaler.close();
      const report = scaler.lastShutdownDeletion();
      expect(report?.skipped).toBe(false);
      expect(report?.left).toEqual([]);
      expect(report?.rounds).toBeGreaterThanOrEqual(2);
      expect(report?.rounds).toBeLessThanOrEqual(4);
      const calls = checkCapacityCalls(world.emulator, 5);
      expect(calls.violations).toEqual([]);
      expect(calls.terminated).toHaveLength(3);
      // The busy instance went last, only after its job had ended.
      expect(calls.terminated[2]).toBe(busy?.instanceId);
      expect((await world.group()).members).toEqual([]);
    } finally {
      await world.cleanup();
    }
  });
});
