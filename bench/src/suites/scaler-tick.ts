import { randomBytes } from 'node:crypto';

import { FakeInstanceGroup } from '@taskfleet/fleeting/testing/fake';
import { createRegistry } from '@taskfleet/registry';
import { Scaler } from '@taskfleet/scaler';
import type { ScalerSettings } from '@taskfleet/scaler';
import { Redis } from 'ioredis';
import { pino } from 'pino';

import { deleteKeys } from '../support/redis-keys';
import { fixed, sample } from '../support/measure';
import type { Figure } from '../support/report';

const instanceCount = 1000;
const queuedJobs = 10_000;

const settings: ScalerSettings = {
  capacityPerInstance: 10,
  maxUseCount: null,
  maxInstanceCount: instanceCount,
  instanceReadyCommand: null,
  updateIntervalMs: 1000,
  failureThreshold: 3,
  scaleThrottle: { limitPerSecond: null, burst: null },
  policies: [
    {
      periods: ['* * * * *'],
      timezone: 'UTC',
      idleCount: 0,
      idleTimeMs: 600_000,
      scaleFactor: 0,
      scaleFactorLimit: null,
      preemptiveMode: false,
    },
  ],
};

/**
 * A whole leader tick of the real Scaler at 1000 ready instances and 10 000 queued jobs, against
 * real Redis (the registry's Lua snapshot) and the in-memory fleeting fake (no cloud latency).
 * The CPU figure is this process's only; Redis's own time is the wall figures' difference.
 */
export async function scalerTickSuite(redisUrl: string): Promise<Figure[]> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const keyPrefix = `bench-${randomBytes(4).toString('hex')}`;
  const logger = pino({ level: 'silent' });
  let nowMs = 1_800_000_000_000;
  const clock = (): number => nowMs;
  const provider = new FakeInstanceGroup({ maxSize: instanceCount, bootDelayMs: 0, now: clock });
  const registry = createRegistry({ redis, keyPrefix, runnerKey: 'bench-group', clock, logger });
  const scaler = new Scaler({
    holderId: 'bench',
    settings,
    provider,
    registry,
    demand: { queuedJobCount: () => Promise.resolve(queuedJobs) },
    logger,
    clock,
  });
  try {
    // Grow to the cap: each tick asks for instances, lists the new ones and marks them ready.
    for (let i = 0; i < 10; i += 1) {
      nowMs += 1000;
      await scaler.tick();
    }
    const ready = (await registry.snapshot()).instancesByState.ready;
    const result = await sample(
      async () => {
        nowMs += 1000;
        await scaler.tick();
      },
      { runs: 50, warmUp: 5 },
    );
    const suite = `scaler tick (${ready} ready instances, ${queuedJobs} queued)`;
    return [
      {
        suite,
        name: 'CPU per tick (Node process)',
        value: fixed(result.cpuMsPerRun),
        unit: 'ms',
        target: '≤ 20 ms CPU',
      },
      { suite, name: 'wall p50', value: fixed(result.p50Ms), unit: 'ms', target: '' },
      { suite, name: 'wall p99', value: fixed(result.p99Ms), unit: 'ms', target: '' },
    ];
  } finally {
    await scaler.close();
    await deleteKeys(redis, `*${keyPrefix}*`);
    redis.disconnect();
  }
}
