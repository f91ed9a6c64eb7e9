// B13: three pools with idle_count=6 start at once in one account whose launch rate is a token
// bucket of burst 6 and 1 a second. The account's creation budget is shared round-robin by the
// pools, so no launch hits RequestLimitExceeded, all 18 instances are in service within 18 s,
// and no pool waits for the others to be served first.
import { DescribeScalingActivitiesCommand } from '@aws-sdk/client-auto-scaling';
import { RoundRobinCreationBudget } from '@taskfleet/scaler';
import type { ScalerOptions } from '@taskfleet/scaler';

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
        limitPerSecond: 1,
        burst: 6,
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
});
