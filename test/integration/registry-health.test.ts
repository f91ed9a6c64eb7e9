// Health reports from executors against real Redis: a job that lost its instance takes the
// instance out of capacity at once, and only the job holding a claim there can do so.
import type { Registry } from '@taskfleet/registry';

import { registryHarness } from './registry-harness';

const h = registryHarness('health');
afterAll(() => h.cleanup());

let runnerSeq = 0;

async function fleet(count: number): Promise<Registry> {
  runnerSeq += 1;
  const registry = h.open(`runner-${runnerSeq}`);
  const lease = await registry.acquireLease('scaler', 600_000);
  if (!lease.acquired) {
    throw new Error('lease not acquired');
  }
  for (let i = 0; i < count; i += 1) {
    await registry.registerInstance(lease.fencingToken, {
      instanceId: `i-${i}`,
      state: 'booting',
      capacityPerInstance: 2,
      maxUseCount: 0,
    });
    await registry.markReady(`i-${i}`, lease.fencingToken);
  }
  return registry;
}

describe('health.reportLost', () => {
  it('turns the claimed instance unhealthy at once, so its free slot takes no new claim', async () => {
    const registry = await fleet(1);
    const claim = await registry.claimSlot('job-1');
    expect(claim?.instanceId).toBe('i-0');
    const report = await registry.health.reportLost('i-0', 'job-1', 'ssh lost');
    expect(report).toEqual({ accepted: true, state: 'unhealthy', failureCount: 1 });
    expect(await registry.getInstance('i-0')).toMatchObject({
      state: 'unhealthy',
      reason: 'ssh lost',
      failureCount: 1,
    });
    // i-0 has a second, free slot; as unhealthy it is out of the open set.
    expect(await registry.claimSlot('job-2')).toBeUndefined();
    // The job's own claim stays until the executor releases it, as for any unhealthy instance.
    expect((await registry.releaseSlot('job-1')).released).toBe(true);
    expect((await registry.snapshot()).unavailableSlots).toBe(2);
  });

  it('ignores a report from a job without a claim there, and leaves the instance as it was', async () => {
    const registry = await fleet(2);
    const claim = await registry.claimSlot('job-1');
    const other = claim?.instanceId === 'i-0' ? 'i-1' : 'i-0';
    expect(await registry.health.reportLost(other, 'job-1', 'x')).toEqual({
      accepted: false,
      why: 'other_instance',
    });
    expect(await registry.health.reportLost(other, 'job-none', 'x')).toEqual({
      accepted: false,
      why: 'no_claim',
    });
    expect(await registry.getInstance(other)).toMatchObject({ state: 'ready', failureCount: 0 });
  });

  it('refuses ids that cannot be keys', async () => {
    const registry = await fleet(0);
    await expect(registry.health.reportLost('i:0', 'job-1', 'x')).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });
});
