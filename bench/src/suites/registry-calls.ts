import { createRegistry } from '@taskfleet/registry';
import type { Registry } from '@taskfleet/registry';
import { Redis } from 'ioredis';
import { pino } from 'pino';

import { fixed } from '../support/measure';
import { startOwnRedis } from '../support/redis-server';
import type { OwnRedis } from '../support/redis-server';
import type { Figure } from '../support/report';

const fleetSizes = [3, 1000] as const;
const rounds = 20;
const capacityPerInstance = 2;

type Step = 'reserve' | 'convertReservation' | 'claimSlot' | 'releaseSlot';
const steps: readonly Step[] = ['reserve', 'convertReservation', 'claimSlot', 'releaseSlot'];

/**
 * The registry's share of one job's path, on a Redis server of its own: the calls each script
 * makes inside Redis (INFO commandstats around each call) for reserve → convert → claim →
 * release, on a fleet of 3 and of 1000 ready instances, so a script that walks the fleet shows.
 */
export async function registryCallsSuite(): Promise<Figure[]> {
  const own = await startOwnRedis();
  const redis = new Redis(own.url, { maxRetriesPerRequest: null });
  const out: Figure[] = [];
  try {
    for (const size of fleetSizes) {
      const registry = createRegistry({
        redis,
        keyPrefix: `bench-${size}`,
        runnerKey: 'calls',
        logger: pino({ level: 'silent' }),
      });
      await readyFleet(registry, size);
      const perStep = await measureSteps(own, registry, size);
      const suite = `registry job path (${size} ready instances × ${capacityPerInstance} slots)`;
      let sum = 0;
      for (const step of steps) {
        const calls = perStep.get(step) ?? 0;
        sum += calls;
        out.push({
          suite,
          name: `${step}: calls inside Redis`,
          value: fixed(calls),
          unit: '',
          target: '',
        });
      }
      out.push({ suite, name: 'per job, all four', value: fixed(sum), unit: '', target: '' });
    }
    return out;
  } finally {
    redis.disconnect();
    await own.stop();
  }
}

async function readyFleet(registry: Registry, size: number): Promise<void> {
  const lease = await registry.acquireLease('bench', 3_600_000);
  if (!lease.acquired) {
    throw new Error('bench: could not take the lease');
  }
  for (let i = 0; i < size; i += 1) {
    const instanceId = `i-${String(i).padStart(6, '0')}`;
    await registry.registerInstance(lease.fencingToken, {
      instanceId,
      state: 'booting',
      capacityPerInstance,
      maxUseCount: 0,
    });
    await registry.markReady(instanceId, lease.fencingToken);
  }
}

/** Average calls inside Redis per step (the EVALSHA itself not counted). */
async function measureSteps(
  own: OwnRedis,
  registry: Registry,
  size: number,
): Promise<Map<Step, number>> {
  const totals = new Map<Step, number>();
  const measure = async (step: Step, call: () => Promise<unknown>): Promise<void> => {
    const before = await own.commandCalls();
    await call();
    const after = await own.commandCalls();
    let calls = 0;
    for (const [name, n] of after) {
      calls += n - (before.get(name) ?? 0);
    }
    // The EVALSHA itself and our second INFO are not the script's inner calls.
    totals.set(step, (totals.get(step) ?? 0) + calls - 2);
  };
  for (let round = 0; round < rounds; round += 1) {
    const jobId = String(1000 + round);
    let reservationId = '';
    await measure('reserve', async () => {
      const r = await registry.reserve({
        ownerId: 'bench',
        ttlMs: 60_000,
        mode: 'potential',
        maxInstances: size,
        capacityPerInstance,
      });
      if (!r.reserved) {
        throw new Error(`bench: reserve refused (${r.reason})`);
      }
      reservationId = r.reservationId;
    });
    await measure('convertReservation', () => registry.convertReservation(reservationId, jobId));
    await measure('claimSlot', () => registry.claimSlot(jobId));
    await measure('releaseSlot', () => registry.releaseSlot(jobId));
  }
  return new Map([...totals].map(([step, n]) => [step, n / rounds]));
}
