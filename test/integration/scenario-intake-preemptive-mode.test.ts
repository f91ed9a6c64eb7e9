// preemptive_mode (reference §3.5): on, a job is requested only with an idle ready slot reserved;
// off, while potential capacity (max_instances × capacity_per_instance) is left. Reservations are
// in Redis, shared by every request loop. GitLab emulator (held long polls), real Redis/registry.
import type { Registry } from '@taskfleet/registry';

import { eventually, startIntakeWorld } from './support/intake-world';
import type { IntakeWorld } from './support/intake-world';

jest.setTimeout(60_000);

let intake: IntakeWorld | undefined;

afterEach(async () => {
  await intake?.cleanup();
  intake = undefined;
});

async function readyInstances(registry: Registry, count: number): Promise<void> {
  const lease = await registry.acquireLease('scaler', 3_600_000);
  if (!lease.acquired) {
    throw new Error('lease not acquired');
  }
  for (let i = 0; i < count; i += 1) {
    await registry.registerInstance(lease.fencingToken, {
      instanceId: `i-${i}`,
      state: 'booting',
      capacityPerInstance: 1,
      maxUseCount: 0,
    });
    await registry.markReady(`i-${i}`, lease.fencingToken);
  }
}

/** Samples held (unanswered) job requests and live reservations for a while. */
async function sample(w: IntakeWorld, registry: Registry) {
  const held: number[] = [];
  const reserved: number[] = [];
  for (let i = 0; i < 15; i += 1) {
    held.push(w.jobRequests().filter(r => r.status === undefined).length);
    reserved.push((await registry.snapshot()).reservedSlots);
    await new Promise(resolve => setTimeout(resolve, 20));
  }
  return { held: Math.max(...held), reserved: Math.max(...reserved) };
}

describe('preemptive_mode', () => {
  it('on (unset, idle_count 1): one idle ready slot lets one of 3 loops ask, none without it', async () => {
    const w = await startIntakeWorld({
      longPollTimeoutMs: 3_000,
      noCapacityWakeMs: 20,
      runners: [
        {
          runner: 'request_concurrency = 3',
          autoscaler: 'capacity_per_instance = 1\nmax_instances = 5',
          policy: '[[runners.autoscaler.policy]]\nidle_count = 1',
        },
      ],
    });
    intake = w;
    expect(w.config.runners[0]?.autoscaler.policies[0]?.preemptiveMode).toBe(true);
    const registry = w.registries[0]!;
    w.poller.start();
    // No instance: potential capacity is 5, but no idle slot, so no job request at all.
    await new Promise(resolve => setTimeout(resolve, 200));
    expect(w.jobRequests()).toHaveLength(0);
    await readyInstances(registry, 1);
    await eventually('one held poll', () => w.jobRequests().some(r => r.status === undefined));
    expect(await sample(w, registry)).toEqual({ held: 1, reserved: 1 });
  });

  it('off (preemptive_mode = false): loops ask while potential capacity is left, with no instance', async () => {
    const w = await startIntakeWorld({
      longPollTimeoutMs: 3_000,
      noCapacityWakeMs: 20,
      runners: [
        {
          // Four loops all asking at once, so the cap seen is capacity's, not the adaptive
          // request limit's (which would start at one poll: services/poller README).
          runner:
            'request_concurrency = 4\nfeature_flags = { FF_USE_ADAPTIVE_REQUEST_CONCURRENCY = false }',
          autoscaler: 'capacity_per_instance = 1\nmax_instances = 2',
          policy: '[[runners.autoscaler.policy]]\nidle_count = 1\npreemptive_mode = false',
        },
      ],
    });
    intake = w;
    const registry = w.registries[0]!;
    w.poller.start();
    await eventually(
      'two held polls',
      () => w.jobRequests().filter(r => r.status === undefined).length === 2,
    );
    expect(await sample(w, registry)).toEqual({ held: 2, reserved: 2 });
  });
});
