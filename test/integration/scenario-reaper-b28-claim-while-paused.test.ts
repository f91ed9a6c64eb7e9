// B28 on the AWS emulator (real sshd instances, manual clock) and real Redis: the reaper reads
// i-1 as idle and is paused by a test hook right before its drain; an executor's claim lands
// on i-1 meanwhile; when the reaper resumes its drain is refused and nothing is terminated. The
// other order (the drain first) makes the claim miss i-1. The atomic compare-and-set itself is
// covered by registry-drain.test.ts; this is the scaler around it.
import type { Scaler, TickOutcome } from '@taskfleet/scaler';

import { idleTimeMs, settingsWith, startScalerWorld } from './scaler-harness';
import type { ScalerWorld } from './scaler-harness';

jest.setTimeout(60_000);

const led = (o: TickOutcome) => (o.led ? o : undefined);

function gate<T>(): { promise: Promise<T>; open: (value: T) => void } {
  let open: (value: T) => void = () => undefined;
  const promise = new Promise<T>(resolve => {
    open = resolve;
  });
  return { promise, open };
}

describe('B28 the scale-down race: idle read, a claim lands, then the reaper resumes', () => {
  let world: ScalerWorld;
  let scaler: Scaler;
  let pause: {
    reached: ReturnType<typeof gate<string>>;
    resume: ReturnType<typeof gate<undefined>>;
  };
  let armed = false;

  beforeAll(async () => {
    world = await startScalerWorld();
    scaler = world.scaler('scaler-a', settingsWith({ capacityPerInstance: 1 }), undefined, {
      hooks: {
        afterIdleRead: async instanceId => {
          if (armed) {
            armed = false;
            pause.reached.open(instanceId);
            await pause.resume.promise;
          }
        },
      },
    });
    world.queued = 1;
    await world.tickUntil(scaler, async () =>
      (await world.registry.snapshot()).instances.some(i => i.state === 'ready'),
    );
    world.queued = 0;
  });

  afterAll(async () => {
    await world.cleanup();
  });

  async function only(): Promise<string> {
    const snap = await world.registry.snapshot();
    expect(snap.instances).toHaveLength(1);
    return snap.instances[0]?.instanceId ?? '';
  }

  it('a claim that lands while the reaper is paused wins: no drain, no termination', async () => {
    const i1 = await only();
    pause = { reached: gate<string>(), resume: gate<undefined>() };
    armed = true;
    world.clock.advance(idleTimeMs + 1_000);
    const ticking = scaler.tick();
    expect(await pause.reached.promise).toBe(i1);
    // The executor claims i-1 and starts its job while the reaper holds its idle read.
    expect(await world.registry.claimSlot('job-b28')).toMatchObject({ instanceId: i1 });
    pause.resume.open(undefined);
    const outcome = led(await ticking);
    expect(outcome?.removals.map(r => [r.id, r.reason])).toEqual([[i1, 'idle_timeout']]);
    expect(outcome?.apply.refused).toEqual([i1]);
    expect(outcome?.apply.terminated).toEqual([]);
    expect(await world.registry.getInstance(i1)).toMatchObject({ state: 'ready', claimedSlots: 1 });
    const group = await world.group();
    expect(group.members).toEqual([{ id: i1, lifecycleState: 'InService' }]);
    expect(world.emulator.state.calls('TerminateInstanceInAutoScalingGroup')).toHaveLength(0);
  });

  it('a drain that goes first wins: the later claim misses i-1, which is terminated', async () => {
    const i1 = await only();
    await world.registry.releaseSlot('job-b28');
    // Seen idle on this pass, confirmed on the next one at least idle_confirm later.
    world.clock.advance(idleTimeMs + 1_000);
    expect(led(await scaler.tick())?.unconfirmedIdle).toEqual([i1]);
    pause = { reached: gate<string>(), resume: gate<undefined>() };
    armed = true;
    world.clock.advance(31_000);
    const ticking = scaler.tick();
    expect(await pause.reached.promise).toBe(i1);
    pause.resume.open(undefined);
    const outcome = led(await ticking);
    expect(outcome?.apply.terminated).toEqual([i1]);
    // The executor comes too late: no claim lands on the drained instance.
    expect(await world.registry.claimSlot('job-late')).toBeUndefined();
    expect((await world.registry.getInstance(i1))?.state).toBe('deleting');
  });
});
