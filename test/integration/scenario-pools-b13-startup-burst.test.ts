// B13: three pools with idle_count=6 start at once in one account whose launch rate is a token
// bucket of burst 6 and 1 a second. The account's creation budget is shared round-robin by the
// pools, so no launch hits RequestLimitExceeded, all 18 instances are in service within 18 s,
// and no pool waits for the others to be served first. Pools of one account led from two
// scaler processes draw from one launch bucket in Redis.
import { randomBytes } from 'node:crypto';

import { DescribeScalingActivitiesCommand } from '@aws-sdk/client-auto-scaling';
import { LocalLaunchBucket, RedisLaunchBucket, RoundRobinCreationBudget } from '@taskfleet/scaler';
import type { LaunchBucket, ScalerOptions, TickOutcome } from '@taskfleet/scaler';
import { Redis } from 'ioredis';

import { settingsWith } from './scaler-harness';
import { startPoolWorld } from './support/pool-world';
import type { PoolWorld } from './support/pool-world';

jest.setTimeout(60_000);

const stepMs = 1_000;
const settings = settingsWith({
  capacityPerInstance: 1,
  maxInstanceCount: 6,
  updateIntervalMs: stepMs,
  updateIntervalWhenExpectingMs: stepMs,
  // taskscaler's scale_throttle is per pool, as in GitLab Runner: 6 at once for each pool.
  scaleThrottle: { limitPerSecond: 1, burst: 6 },
  policies: [
    {
      periods: ['* * * * *'],
      timezone: 'UTC',
      idleCount: 6,
      idleTimeMs: 600_000,
      scaleFactor: 0,
      scaleFactorLimit: null,
      preemptiveMode: false,
    },
  ],
});

async function launchFailures(world: PoolWorld): Promise<string[]> {
  const messages: string[] = [];
  for (const pool of world.pools) {
    const answer = await world.clients.autoScaling.send(
      new DescribeScalingActivitiesCommand({ AutoScalingGroupName: pool.groupName }),
    );
    for (const activity of answer.Activities ?? []) {
      if (activity.StatusCode === 'Failed') {
        messages.push(activity.StatusMessage ?? '');
      }
    }
  }
  return messages;
}

async function inService(world: PoolWorld): Promise<number[]> {
  return world.members('InService');
}

async function startB13(
  budgetFor?: (index: number, nowMs: number) => Partial<ScalerOptions>,
): Promise<PoolWorld> {
  const world = await startPoolWorld({
    pools: 3,
    settings,
    groupMaxSize: 10,
    ...(budgetFor === undefined ? {} : { scalerOptions: budgetFor }),
  });
  await world.fault('/faults/launch-rate', { burst: 6, perSecond: 1 });
  return world;
}

describe('B13 start-up burst of three pools', () => {
  let world: PoolWorld | undefined;

  afterEach(async () => {
    await world?.cleanup();
    world = undefined;
  });

  it('with the shared round-robin budget: no RequestLimitExceeded, 18 in service within 18 s', async () => {
    let budget: RoundRobinCreationBudget | undefined;
    world = await startB13((index, nowMs) => {
      budget ??= new RoundRobinCreationBudget({
        poolKeys: ['pool-0', 'pool-1', 'pool-2'],
        bucket: new LocalLaunchBucket(1, 6, nowMs),
        nowMs,
        wantTtlMs: 10 * stepMs,
      });
      return { creationBudget: { budget, poolKey: `pool-${index}` } };
    });
    const startMs = world.clock.now();
    world.start();
    await world.runUntil(startMs);
    // Every pool got part of the first burst: none waits for another to be served.
    const firstRound = await world.calls('SetDesiredCapacity');
    expect(new Set(firstRound.map(c => c.params.AutoScalingGroupName)).size).toBe(3);
    let doneAtMs: number | undefined;
    for (
      let t = startMs + stepMs;
      t <= startMs + 20 * stepMs && doneAtMs === undefined;
      t += stepMs
    ) {
      await world.runUntil(t);
      const counts = await inService(world);
      if (counts.every(n => n === 6)) {
        doneAtMs = t;
      }
    }
    expect(doneAtMs).toBeDefined();
    expect((doneAtMs ?? Infinity) - startMs).toBeLessThanOrEqual(18 * stepMs);
    expect(await launchFailures(world)).toEqual([]);
    // Round-robin: while the bucket was short, no pool was handed two increases in a row
    // while another still wanted instances.
    const order = (await world.calls('SetDesiredCapacity')).map(c =>
      String(c.params.AutoScalingGroupName),
    );
    const names = world.pools.map(p => p.groupName);
    const perPool = names.map(name => order.filter(n => n === name).length);
    expect(Math.max(...perPool) - Math.min(...perPool)).toBeLessThanOrEqual(2);
  });

  it('without it, each pool spends its own burst and launches hit RequestLimitExceeded', async () => {
    world = await startB13();
    const startMs = world.clock.now();
    world.start();
    await world.runUntil(startMs + 3 * stepMs);
    const failures = await launchFailures(world);
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every(m => m.includes('RequestLimitExceeded'))).toBe(true);
  });

  describe('pools of one account led from two scaler processes', () => {
    const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
    const keyPrefix = `test-b13-${process.pid}-${randomBytes(4).toString('hex')}`;
    const shared = new RedisLaunchBucket({
      redis,
      keyPrefix,
      accountKey: 'one account',
      limitPerSecond: 1,
      burst: 6,
      // The world's manual clock, which every pool shares here.
      timeSource: 'caller',
    });

    afterAll(async () => {
      await redis.del(shared.redisKey);
      await redis.quit();
    });

    // What the account budget held back, summed over every pool's ticks.
    let heldByLaunchBudget = 0;

    // Process A leads pools 0 and 1, process B pool 2; each process has its own round-robin.
    function twoProcesses(bucketOf: (process: 'a' | 'b', nowMs: number) => LaunchBucket) {
      heldByLaunchBudget = 0;
      const budgets = new Map<string, RoundRobinCreationBudget>();
      return (index: number, nowMs: number): Partial<ScalerOptions> => {
        const process = index < 2 ? 'a' : 'b';
        let budget = budgets.get(process);
        if (budget === undefined) {
          budget = new RoundRobinCreationBudget({
            poolKeys: process === 'a' ? ['pool-0', 'pool-1'] : ['pool-2'],
            bucket: bucketOf(process, nowMs),
            nowMs,
            wantTtlMs: 10 * stepMs,
          });
          budgets.set(process, budget);
        }
        const observer = {
          tickDone(outcome: TickOutcome) {
            heldByLaunchBudget += outcome.led ? outcome.apply.heldByLaunchBudget : 0;
          },
          tickFailed() {},
        };
        return { creationBudget: { budget, poolKey: `pool-${index}` }, observer };
      };
    }

    it('share the Redis bucket: no RequestLimitExceeded, 18 in service within 18 s', async () => {
      world = await startB13(twoProcesses(() => shared));
      const startMs = world.clock.now();
      world.start();
      let doneAtMs: number | undefined;
      for (let t = startMs; t <= startMs + 20 * stepMs && doneAtMs === undefined; t += stepMs) {
        await world.runUntil(t);
        if ((await inService(world)).every(n => n === 6)) {
          doneAtMs = t;
        }
      }
      expect(await launchFailures(world)).toEqual([]);
      expect((doneAtMs ?? Infinity) - startMs).toBeLessThanOrEqual(18 * stepMs);
      // Each pool's own scale_throttle (burst 6) allowed more: the shared bucket held it back.
      expect(heldByLaunchBudget).toBeGreaterThan(0);
    });

    it('each with a bucket of its own, they overrun the account and hit RequestLimitExceeded', async () => {
      world = await startB13(twoProcesses((_, nowMs) => new LocalLaunchBucket(1, 6, nowMs)));
      const startMs = world.clock.now();
      world.start();
      await world.runUntil(startMs + 3 * stepMs);
      const failures = await launchFailures(world);
      expect(failures.length).toBeGreaterThan(0);
      expect(failures.every(m => m.includes('RequestLimitExceeded'))).toBe(true);
    });
  });
});
