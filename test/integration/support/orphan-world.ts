// Shared steps of the orphan scenarios: members the scaler never asked for, raised from outside,
// a registry whose per-instance lookup can be made to fail, and the emulator's termination log.
import { SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import type { Registry } from '@taskfleet/registry';
import { Scaler } from '@taskfleet/scaler';
import type { ScalerSettings } from '@taskfleet/scaler';
import { pino } from 'pino';

import type { ScalerWorld } from '../scaler-harness';

/** Raises the group from outside the scaler and waits (on the manual clock) for every member to run. */
export async function raiseFromOutside(world: ScalerWorld, desired: number): Promise<string[]> {
  await world.provider.init();
  await world.clients.autoScaling.send(
    new SetDesiredCapacityCommand({
      AutoScalingGroupName: world.groupName,
      DesiredCapacity: desired,
    }),
  );
  for (let i = 0; i < 50; i += 1) {
    const members = await world.provider.update();
    if (members.length === desired && members.every(m => m.state === 'running')) {
      return members.map(m => m.id).sort();
    }
    world.clock.advance(500);
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  throw new Error(`group did not reach ${desired} running members`);
}

/** A registry whose orphan lookup (sightOrphan) throws for `failingId` while `failing()` holds. */
export function failingLookup(registry: Registry, failingId: string, failing: () => boolean) {
  const ledger = new Proxy(registry.ledger, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property === 'sightOrphan') {
        return (id: string, token: number) =>
          id === failingId && failing()
            ? Promise.reject(new Error('lookup failed: 404 from the runner API'))
            : target.sightOrphan(id, token);
      }
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
  return new Proxy(registry, {
    get(target, property, receiver) {
      if (property === 'ledger') {
        return ledger;
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

/** A scaler on the world's provider with its own registry handle (the caller closes it). */
export function scalerOn(
  world: ScalerWorld,
  registry: Registry,
  settings: ScalerSettings,
  orphanGraceMs: number,
): Scaler {
  return new Scaler({
    holderId: 'orphan-sweeper',
    settings,
    provider: world.provider,
    registry,
    demand: { queuedJobCount: () => Promise.resolve(0) },
    logger: pino({ level: process.env.SCALER_TEST_LOG ?? 'silent' }),
    clock: () => world.clock.now(),
    orphanGraceMs,
  });
}

/** Ids the emulator accepted a TerminateInstanceInAutoScalingGroup for, in order. */
export function terminatedIds(world: ScalerWorld): string[] {
  return world.emulator.state
    .calls('TerminateInstanceInAutoScalingGroup')
    .filter(c => c.httpStatus === 200)
    .map(c => String(c.params.InstanceId));
}
