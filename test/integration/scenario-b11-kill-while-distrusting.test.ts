// Breaker (B11 / B52, invariant 5): a group member the scaler never asked for is "registered only
// to drain and remove it" (reconcile.ts distrust: registerInstance(state booting), then
// drainAndTerminate). If the leader dies between those two steps, the record looks like one of
// our own booting instances: the next leader runs the ready check, marks it ready and opens its
// slots, so an untrusted instance (which may have run anything) is handed jobs.
import type { Registry } from '@taskfleet/registry';
import { Scaler } from '@taskfleet/scaler';
import { pino } from 'pino';

import { settingsWith, startScalerWorld } from './scaler-harness';
import type { ScalerWorld } from './scaler-harness';

jest.setTimeout(120_000);

/**
 * The registry as the dying leader sees it: killed right after registering the stranger, before
 * whatever step comes next in its removal (the drain, or the termination intent).
 */
function killedBeforeDrain(registry: Registry): Registry {
  return new Proxy(registry, {
    get(target, property, receiver) {
      if (property === 'beginDrain' || property === 'recordTerminationIntent') {
        return () => Promise.reject(new Error('SIGKILL: process gone after registerInstance'));
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

describe('B11 kill while distrusting', () => {
  let world: ScalerWorld;

  beforeEach(async () => {
    world = await startScalerWorld();
  });

  afterEach(async () => {
    await world.cleanup();
  });

  it('never opens the unknown instance for jobs, and removes it', async () => {
    const settings = settingsWith();
    // Someone else (a person, another tool) raised the group: a member we never asked for.
    await world.provider.init();
    expect((await world.provider.increase(1)).requested).toBe(1);
    let members = await world.provider.update();
    for (let i = 0; i < 50 && members[0]?.state !== 'running'; i += 1) {
      world.clock.advance(1_000);
      await new Promise(resolve => setTimeout(resolve, 50));
      members = await world.provider.update();
    }
    const stranger = members[0]?.id ?? '';
    expect(members[0]?.state).toBe('running');

    const dying = new Scaler({
      holderId: 'breaker-b11-old',
      settings,
      provider: world.provider,
      registry: killedBeforeDrain(world.registry),
      demand: { queuedJobCount: () => Promise.resolve(0) },
      logger: pino({ level: 'silent' }),
      clock: () => world.clock.now(),
      orphanGraceMs: 1_000,
    });
    // The orphan sweep registers the stranger only once confirmed (two passes past the grace).
    for (let i = 0; i < 5 && (await world.registry.snapshot()).instances.length === 0; i += 1) {
      world.clock.advance(1_000);
      await dying.tick().catch(() => undefined);
    }
    expect((await world.registry.snapshot()).instances.map(i => i.instanceId)).toEqual([stranger]);

    // The next leader, after the dead one's lease ran out.
    const next = world.scaler('breaker-b11-new', settings);
    const claims: string[] = [];
    let group = await world.group();
    for (let i = 0; i < 15 && group.members.length > 0; i += 1) {
      world.clock.advance(5_000);
      await new Promise(resolve => setTimeout(resolve, 50));
      await next.tick();
      const claim = await world.registry.claimSlot(`breaker-job-${i}`);
      if (claim !== undefined) {
        claims.push(claim.instanceId);
        await world.registry.releaseSlot(`breaker-job-${i}`);
      }
      group = await world.group();
    }
    // Invariant 5: an unknown instance is untrusted and removed; it never takes a job.
    expect({ claimedOn: claims, members: group.members.map(m => m.id) }).toEqual({
      claimedOn: [],
      members: [],
    });
  });
});
