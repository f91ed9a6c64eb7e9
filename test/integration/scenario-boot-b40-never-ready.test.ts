// B40 on the AWS emulator (real sshd instances, manual clock) and real Redis: an instance that
// never answers SSH is never capacity, is terminated with reason boot_failed (at
// failure_threshold failed ready checks, or at the create timeout), a replacement is launched,
// every job still gets a slot, and the tick reports the boot failure ratio.
import type { RegistrySnapshot } from '@taskfleet/registry';
import type { Scaler, TickOutcome } from '@taskfleet/scaler';

import { settingsWith, startScalerWorld } from './scaler-harness';
import type { ScalerWorld } from './scaler-harness';

jest.setTimeout(120_000);

const led = (o: TickOutcome) => (o.led ? o : undefined);

async function bootMode(world: ScalerWorld, mode: 'ok' | 'never-answers'): Promise<void> {
  const response = await fetch(`${world.emulator.adminEndpoint}/groups/${world.groupName}/boot`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ bootMode: mode }),
  });
  expect(response.ok).toBe(true);
}

/** Instance ids the emulator launched, by how they boot. */
function launched(world: ScalerWorld): { all: string[]; silent: string[] } {
  const state = world.emulator.state.snapshot() as {
    instances: { instanceId: string; bootMode: string }[];
  };
  return {
    all: state.instances.map(i => i.instanceId),
    silent: state.instances.filter(i => i.bootMode === 'never-answers').map(i => i.instanceId),
  };
}

const openIds = (snap: RegistrySnapshot) =>
  snap.instances.filter(i => i.state === 'ready').map(i => i.instanceId);

describe('B40 instances that never finish booting', () => {
  let world: ScalerWorld;

  beforeEach(async () => {
    world = await startScalerWorld({ groupMaxSize: 6 });
  });

  afterEach(async () => {
    await world.cleanup();
  });

  /** A job source: `jobs` jobs, each claiming a slot (as an executor does) once one is open. */
  function jobs(count: number) {
    const claims = new Map<string, string>();
    const ids = Array.from({ length: count }, (_, i) => `job-${i}`);
    world.queued = count;
    return {
      claims,
      async claimWhatCan(): Promise<void> {
        for (const id of ids.filter(j => !claims.has(j))) {
          const claim = await world.registry.claimSlot(id);
          if (claim !== undefined) {
            claims.set(id, claim.instanceId);
          }
        }
        world.queued = count - claims.size;
      },
      async release(): Promise<void> {
        for (const id of claims.keys()) {
          await world.registry.releaseSlot(id);
        }
      },
    };
  }

  async function firstLaunchSilent(scaler: Scaler): Promise<string> {
    await bootMode(world, 'never-answers');
    world.queued = 1;
    expect(led(await scaler.tick())?.apply.requested).toBe(1);
    await world.tickUntil(scaler, () => launched(world).all.length === 1);
    await bootMode(world, 'ok');
    const silent = launched(world).silent;
    expect(silent).toHaveLength(1);
    return silent[0] ?? '';
  }

  it('1 in 5 never answering: not capacity, boot_failed at failure_threshold, replaced, all jobs run', async () => {
    const scaler = world.scaler(
      'scaler-a',
      settingsWith({
        capacityPerInstance: 1,
        maxInstanceCount: 5,
        instanceReadyCommand: 'true',
        failureThreshold: 2,
      }),
      undefined,
      { readyConnectTimeoutMs: 2_000, readyTimeoutMs: 3_000 },
    );
    const silent = await firstLaunchSilent(scaler);
    const work = jobs(5);
    const outcomes = await world.tickUntil(
      scaler,
      async () => {
        // Never capacity: at no tick is the silent instance open for a claim.
        expect(openIds(await world.registry.snapshot())).not.toContain(silent);
        await work.claimWhatCan();
        return work.claims.size === 5;
      },
      { maxTicks: 80 },
    );
    const removals = outcomes.flatMap(o => led(o)?.removals ?? []);
    expect(removals.map(r => [r.id, r.reason])).toEqual([[silent, 'boot_failed']]);
    expect(outcomes.flatMap(o => led(o)?.apply.terminated ?? [])).toEqual([silent]);
    expect(outcomes.flatMap(o => led(o)?.readyFailed ?? [])).toEqual([silent, silent]);
    // Five launches for five jobs, one of them silent, and one replacement for it.
    expect(launched(world).all).toHaveLength(6);
    expect([...work.claims.values()]).not.toContain(silent);
    expect(new Set(work.claims.values()).size).toBe(5);
    // A ready check's pass is reported by the tick after it finished.
    await scaler.probesSettled();
    expect(led(await scaler.tick())?.bootFailureRatio).toBeCloseTo(1 / 6);
    expect(outcomes.reduce((n, o) => n + (led(o)?.removalsByReason.boot_failed ?? 0), 0)).toBe(1);
    await work.release();
  });

  it('a silent instance below the threshold is boot_failed at the create timeout', async () => {
    const scaler = world.scaler(
      'scaler-a',
      settingsWith({
        capacityPerInstance: 1,
        maxInstanceCount: 2,
        instanceReadyCommand: 'true',
        failureThreshold: 1_000,
      }),
      undefined,
      { readyConnectTimeoutMs: 2_000, readyTimeoutMs: 3_000, creationTimeoutMs: 20_000 },
    );
    const silent = await firstLaunchSilent(scaler);
    const work = jobs(1);
    const removed = new Set<string>();
    const outcomes = await world.tickUntil(
      scaler,
      async last => {
        await work.claimWhatCan();
        for (const id of led(last)?.apply.terminated ?? []) {
          removed.add(id);
        }
        return work.claims.size === 1 && removed.has(silent);
      },
      { maxTicks: 60 },
    );
    const removal = outcomes.flatMap(o => led(o)?.removals ?? []).find(r => r.id === silent);
    expect(removal).toMatchObject({ reason: 'boot_failed' });
    // Not before the create timeout, counted from the request.
    expect(removal?.idleForMs).toBeGreaterThanOrEqual(20_000);
    expect(work.claims.get('job-0')).not.toBe(silent);
    await work.release();
  });
});
