// The scaler end to end on the AWS emulator (real sshd instances, manual clock) and real Redis:
// scale from zero for queued jobs within the cap, open instances only after the ready command
// passed over SSH, remove idle ones back to zero without replacements, never remove a busy one,
// act only as the lease holder, and clear instances terminated from outside.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';

import { dial } from '@taskfleet/fleeting';
import type { ConnectInfo } from '@taskfleet/fleeting';
import { RedisLaunchBucket, RoundRobinCreationBudget } from '@taskfleet/scaler';
import type { TickOutcome } from '@taskfleet/scaler';
import { Redis } from 'ioredis';
import { pino } from 'pino';

import { idleTimeMs, settingsWith, startScalerWorld } from './scaler-harness';
import type { ScalerWorld } from './scaler-harness';

jest.setTimeout(120_000);

const led = (o: TickOutcome) => (o.led ? o : undefined);

async function connectInfoOf(world: ScalerWorld, id: string): Promise<ConnectInfo> {
  // EC2 may still say pending for a moment after the group lists the instance in service.
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await world.provider.connectInfo(id);
    } catch (error) {
      if (attempt >= 100) {
        throw error;
      }
      await new Promise(resolve => setTimeout(resolve, 50));
    }
  }
}

async function runOn(world: ScalerWorld, id: string, command: string): Promise<number | null> {
  const connection = await dial(await connectInfoOf(world, id), { connectTimeoutMs: 20_000 });
  try {
    return (await connection.run({ command })).exitCode;
  } finally {
    await connection.close();
  }
}

async function readyIds(world: ScalerWorld): Promise<string[]> {
  const snapshot = await world.registry.snapshot();
  return snapshot.instances.filter(i => i.state === 'ready').map(i => i.instanceId);
}

describe('scaler on the AWS emulator with real Redis', () => {
  let world: ScalerWorld;

  beforeEach(async () => {
    world = await startScalerWorld();
  });

  afterEach(async () => {
    await world.cleanup();
  });

  it('scales 0 → ceil(N/2) within the cap, opens only after the ready command, idles back to 0', async () => {
    // The ready command passes only once the test has created the marker on the instance.
    const scaler = world.scaler(
      'scaler-a',
      settingsWith({ instanceReadyCommand: 'test -f ready-ok', failureThreshold: 1000 }),
    );
    world.queued = 3;
    const outcomes = await world.tickUntil(scaler, async () => {
      const snapshot = await world.registry.snapshot();
      return snapshot.instancesByState.booting === 2;
    });
    expect((await world.group()).desired).toBe(2);
    expect(outcomes.flatMap(o => led(o)?.readyPassed ?? [])).toEqual([]);
    expect(await readyIds(world)).toEqual([]);
    // A few more ticks with the command failing: still nothing opens, nothing more is asked for.
    // Background probes finish on their own schedule: the two failures may land in one tick or
    // in two, so they are gathered across ticks.
    const failedIds = new Set<string>();
    const failing = await world.tickUntil(scaler, o => {
      for (const id of led(o)?.readyFailed ?? []) {
        failedIds.add(id);
      }
      return failedIds.size === 2;
    });
    expect(failing.flatMap(o => led(o)?.readyPassed ?? [])).toEqual([]);
    expect(await world.registry.claimSlot('job-0')).toBeUndefined();

    const booting = (await world.registry.snapshot()).instances.map(i => i.instanceId);
    for (const id of booting) {
      expect(await runOn(world, id, 'touch ready-ok')).toBe(0);
    }
    await world.tickUntil(scaler, async () => (await readyIds(world)).length === 2);

    // More demand than the cap allows: 10 jobs at 2 per instance want 5, max_instances is 3.
    world.queued = 10;
    await world.tickUntil(scaler, async () => (await world.group()).members.length === 3);
    // The third one runs (booting in the registry) once its boot delay passed.
    await world.tickUntil(
      scaler,
      async () => (await world.registry.snapshot()).instancesByState.booting === 1,
    );
    expect((await world.group()).desired).toBe(3);
    const third = (await world.registry.snapshot()).instances.find(i => i.state === 'booting');
    expect(await runOn(world, third?.instanceId ?? '', 'touch ready-ok')).toBe(0);
    await world.tickUntil(scaler, async () => (await readyIds(world)).length === 3);

    // One job runs; the queue empties. After idle_time the idle ones go, the busy one stays.
    const claim = await world.registry.claimSlot('job-1');
    expect(claim).toBeDefined();
    world.queued = 0;
    const shrinking = await world.tickUntil(
      scaler,
      async () => (await world.registry.snapshot()).instances.length === 1,
      { stepMs: idleTimeMs / 4 },
    );
    expect(shrinking.reduce((n, o) => n + (led(o)?.apply.requested ?? 0), 0)).toBe(0);
    const left = (await world.registry.snapshot()).instances;
    expect(left.map(i => [i.instanceId, i.state])).toEqual([[claim?.instanceId, 'ready']]);
    // Long past idle_time, still busy: never removed.
    await world.tickUntil(scaler, () => true, { stepMs: idleTimeMs * 2, maxTicks: 1 });
    expect((await world.group()).members.map(m => m.id)).toEqual([claim?.instanceId]);

    // The job ends: after idle_time the fleet reaches exactly zero, with no replacement.
    await world.registry.releaseSlot('job-1');
    const emptying = await world.tickUntil(
      scaler,
      async () => {
        const group = await world.group();
        return group.desired === 0 && group.members.length === 0;
      },
      { stepMs: idleTimeMs / 4 },
    );
    expect(emptying.reduce((n, o) => n + (led(o)?.apply.requested ?? 0), 0)).toBe(0);
    await world.tickUntil(
      scaler,
      async () => (await world.registry.snapshot()).instances.length === 0,
    );
    // Invariant 8: with nothing queued and idle_count 0 it stays at exactly zero.
    for (let i = 0; i < 3; i += 1) {
      world.clock.advance(idleTimeMs);
      const outcome = await scaler.tick();
      expect(led(outcome)?.plan.targetInstances).toBe(0);
      expect(led(outcome)?.apply.granted).toBe(0);
    }
    expect((await world.group()).desired).toBe(0);
  });

  it('a claim that lands between the plan and the drain wins: the instance stays', async () => {
    const scaler = world.scaler('scaler-a', settingsWith());
    world.queued = 1;
    await world.tickUntil(scaler, async () => (await readyIds(world)).length === 1);
    world.queued = 0;
    // An executor claims right before the scaler's drain script runs (the B28 race).
    const registry = world.registry;
    const realDrain = registry.beginDrain.bind(registry);
    let raced = 0;
    registry.beginDrain = async (id, token, options) => {
      if (raced === 0) {
        raced += 1;
        expect(await registry.claimSlot('job-late')).toMatchObject({ instanceId: id });
      }
      return realDrain(id, token, options);
    };
    world.clock.advance(idleTimeMs);
    const outcome = led(await scaler.tick());
    expect(outcome?.removals.map(r => r.reason)).toEqual(['idle_timeout']);
    expect(outcome?.apply.refused).toHaveLength(1);
    expect(outcome?.apply.terminated).toEqual([]);
    const group = await world.group();
    expect(group.desired).toBe(1);
    expect(group.members.map(m => m.lifecycleState)).toEqual(['InService']);
    expect((await world.registry.snapshot()).instancesByState.ready).toBe(1);
  });

  it('retires an instance at max_use_count and removes it once its last job ended', async () => {
    const scaler = world.scaler('scaler-a', settingsWith({ maxUseCount: 1 }));
    world.queued = 1;
    await world.tickUntil(scaler, async () => (await readyIds(world)).length === 1);
    const [used] = await readyIds(world);
    world.queued = 0;
    expect(await world.registry.claimSlot('job-once')).toMatchObject({ instanceId: used });
    expect((await world.registry.getInstance(used ?? ''))?.state).toBe('retired');
    // Running its one job, it stays.
    const busy = led(await scaler.tick());
    expect(busy?.removals).toEqual([]);
    await world.registry.releaseSlot('job-once');
    const outcome = led(await scaler.tick());
    expect(outcome?.removals.map(r => [r.id, r.reason])).toEqual([[used, 'max_use_count']]);
    expect(outcome?.apply.terminated).toEqual([used]);
    expect(outcome?.apply.requested).toBe(0);
  });

  it('keeps an instance whose ready command fails out of service and removes it as boot_failed', async () => {
    const scaler = world.scaler(
      'scaler-a',
      settingsWith({ instanceReadyCommand: 'exit 7', failureThreshold: 2 }),
    );
    world.queued = 1;
    const outcomes = await world.tickUntil(scaler, o => (led(o)?.apply.terminated.length ?? 0) > 0);
    const removed = outcomes.flatMap(o => led(o)?.apply.terminated ?? []);
    expect(outcomes.flatMap(o => led(o)?.readyPassed ?? [])).toEqual([]);
    expect(outcomes.flatMap(o => led(o)?.readyFailed ?? [])).toEqual([removed[0], removed[0]]);
    const reasons = outcomes.flatMap(o => led(o)?.removals.map(r => [r.id, r.reason]) ?? []);
    // Never ready, so a boot failure (B40), counted in the ratio.
    expect(reasons).toEqual([[removed[0], 'boot_failed']]);
    const last = led(outcomes[outcomes.length - 1] ?? { led: false });
    expect(last?.removalsByReason).toEqual({ boot_failed: 1 });
    expect(last?.bootFailureRatio).toBe(1);
    world.queued = 0;
    await world.tickUntil(scaler, async () => {
      const group = await world.group();
      return group.desired === 0 && group.members.length === 0;
    });
  });

  it('a second scaler does nothing while the first holds the lease', async () => {
    const first = world.scaler('scaler-a', settingsWith());
    const second = world.scaler('scaler-b', settingsWith());
    world.queued = 2;
    await world.tickUntil(first, async () => (await readyIds(world)).length === 1);
    world.queued = 6;
    for (let i = 0; i < 3; i += 1) {
      expect(await second.tick()).toEqual({ led: false });
    }
    expect((await world.group()).desired).toBe(1);
    // The leader steps down: the other one takes over and acts.
    await first.close();
    await world.tickUntil(second, async () => (await world.group()).desired === 3);
  });

  it('a paused leader whose lease expired is replaced and then stands aside', async () => {
    const first = world.scaler('scaler-a', settingsWith());
    const second = world.scaler('scaler-b', settingsWith());
    world.queued = 2;
    await world.tickUntil(first, async () => (await world.group()).desired === 1);
    expect(await second.tick()).toEqual({ led: false });
    // Three update intervals without a renewal: the lease lapses and the other replica leads.
    world.clock.advance(3_001);
    world.queued = 4;
    expect((await second.tick()).led).toBe(true);
    expect(await first.tick()).toEqual({ led: false });
    expect((await world.group()).desired).toBe(2);
  });

  it('asks for new instances no faster than the scale throttle allows', async () => {
    const scaler = world.scaler(
      'scaler-a',
      settingsWith({ scaleThrottle: { limitPerSecond: 1, burst: 1 } }),
    );
    world.queued = 6;
    const first = led(await scaler.tick());
    expect(first?.plan.toCreate).toBe(3);
    expect(first?.apply.granted).toBe(1);
    expect((await world.group()).desired).toBe(1);
    // Half a second later no token has come back.
    world.clock.advance(500);
    expect(led(await scaler.tick())?.apply.granted).toBe(0);
    expect((await world.group()).desired).toBe(1);
    await world.tickUntil(scaler, async () => (await world.group()).desired === 3, {
      maxTicks: 4,
    });
  });

  it('holds creations, and finishes the tick, while the account launch budget cannot be read', async () => {
    // The budget's own connection, not yet connected: its first call fails as a bucket whose
    // Redis key is refused would (no offline queue), and the connection comes up after it.
    const budgetRedis = new Redis({
      host: '127.0.0.1',
      port: 6379,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
    });
    const bucket = new RedisLaunchBucket({
      redis: budgetRedis,
      keyPrefix: `test-budget-${randomBytes(4).toString('hex')}`,
      accountKey: 'acct',
      limitPerSecond: 1,
      burst: 10,
      timeSource: 'caller',
    });
    const budget = new RoundRobinCreationBudget({
      poolKeys: ['pool'],
      bucket,
      nowMs: world.clock.now(),
      wantTtlMs: 60_000,
    });
    const scaler = world.scaler('scaler-a', settingsWith(), undefined, {
      creationBudget: { budget, poolKey: 'pool' },
    });
    try {
      world.queued = 2;
      const held = led(await scaler.tick());
      expect(held?.apply).toMatchObject({ granted: 0, requested: 0, heldByLaunchBudget: 1 });
      expect((await world.group()).desired).toBe(0);
      if (budgetRedis.status !== 'ready') {
        await new Promise(resolve => budgetRedis.once('ready', resolve));
      }
      world.clock.advance(1_000);
      expect(led(await scaler.tick())?.apply).toMatchObject({
        requested: 1,
        heldByLaunchBudget: 0,
      });
      expect((await world.group()).desired).toBe(1);
    } finally {
      await budgetRedis.del(bucket.redisKey);
      budgetRedis.disconnect();
    }
  });

  it('clears an instance terminated from outside and distrusts the replacement it did not ask for', async () => {
    const scaler = world.scaler('scaler-a', settingsWith());
    world.queued = 1;
    await world.tickUntil(scaler, async () => (await readyIds(world)).length === 1);
    const [victim] = await readyIds(world);
    const claim = await world.registry.claimSlot('job-7');
    expect(claim?.instanceId).toBe(victim);
    world.queued = 0;
    await world.terminateFromOutside(victim ?? '');
    const outcomes = await world.tickUntil(scaler, o =>
      (led(o)?.reconcile.cleared ?? []).includes(victim ?? ''),
    );
    expect(await world.registry.getInstance(victim ?? '')).toBeUndefined();
    expect((await world.registry.snapshot()).claimedSlots).toBe(0);
    // The group replaced the lost instance on its own; we never asked, so it is removed.
    const more = await world.tickUntil(scaler, async () => {
      const group = await world.group();
      return group.desired === 0 && group.members.length === 0;
    });
    const distrusted = [...outcomes, ...more].flatMap(o => led(o)?.reconcile.distrusted ?? []);
    expect(distrusted.length).toBeGreaterThanOrEqual(1);
    expect(distrusted).not.toContain(victim);
  });

  it('start() ticks on the injected timers, faster while expecting a change; close() stops it', async () => {
    const scheduled: { callback: () => void; delayMs: number }[] = [];
    let cleared = 0;
    const timers = {
      setTimeout: (callback: () => void, delayMs: number) => {
        scheduled.push({ callback, delayMs });
        return scheduled.length;
      },
      clearTimeout: () => {
        cleared += 1;
      },
    };
    const scaler = world.scaler(
      'scaler-a',
      settingsWith({ updateIntervalMs: 2_500, updateIntervalWhenExpectingMs: 500 }),
      timers,
    );
    world.queued = 4;
    scaler.start();
    scaler.start();
    expect(scheduled.map(t => t.delayMs)).toEqual([0]);
    scheduled[0]?.callback();
    // The next tick is scheduled once this one ended; wait for it with a bound.
    for (let i = 0; i < 200 && scheduled.length < 2; i += 1) {
      await new Promise(resolve => setTimeout(resolve, 10));
    }
    // Two creations are outstanding, so the next tick comes at update_interval_when_expecting.
    expect(scheduled.map(t => t.delayMs)).toEqual([0, 500]);
    expect((await world.group()).desired).toBe(2);
    await scaler.close();
    await scaler.close();
    expect(cleared).toBe(1);
    await expect(scaler.tick()).rejects.toMatchObject({ code: 'closed' });
  });
});

describe('scaler on a group set up unsafely', () => {
  it('logs an error naming every setup problem of invariant 3', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const world = await startScalerWorld({
      logger: pino({ level: 'info' }, sink),
      unsafeSetup: true,
    });
    try {
      const scaler = world.scaler('scaler-a', settingsWith());
      await scaler.tick();
      await scaler.tick();
      const errors = lines.filter(l => l.msg === 'group setup unsafe');
      expect(errors).toHaveLength(1);
      expect(errors[0]?.problems).toEqual([
        'new instances are not protected from scale-in',
        'AZRebalance is not suspended',
        'no termination lifecycle hook, so aws may end busy instances on its own',
      ]);
    } finally {
      await world.cleanup();
    }
  });
});
