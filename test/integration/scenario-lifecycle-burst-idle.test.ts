// Issue #4 done-when: 30 minutes (manual clock) of bursts and idle periods on the demo fleet's
// autoscaler settings (the config `taskfleet demo` writes), against the AWS emulator with real
// sshd instances and real Redis. The call log and the registry must show that the fleet never
// exceeded max_instances, never had a busy instance terminated, and ended at zero.
import { parseConfig } from '@taskfleet/config';
import { demoConfigToml, demoMaxInstances } from '@taskfleet/cli';
import type { TickOutcome } from '@taskfleet/scaler';

import { startScalerWorld } from './scaler-harness';
import { checkCapacityCalls, liveInstanceIds } from './support/capacity-calls';
import { JobSimulator } from './support/job-simulator';

jest.setTimeout(120_000);

const tickMs = 15_000;
const runMs = 30 * 60_000;
// Bursts at these minutes, then idle: each burst is more than the fleet can take at once.
const bursts = new Map([
  [0, { jobs: 14, runMs: 40_000 }],
  [9, { jobs: 6, runMs: 90_000 }],
  [17, { jobs: 20, runMs: 20_000 }],
]);

function demoAutoscaler() {
  const toml = demoConfigToml({
    world: {
      aws: { endpoint: 'http://127.0.0.1:1' },
      gitlab: { url: 'http://127.0.0.1:2' },
      groupName: 'demo-group',
      runnerToken: 'glrt-demo-token-for-burst-idle',
      runnerId: 1,
    } as unknown as Parameters<typeof demoConfigToml>[0]['world'],
    redisUrl: 'redis://127.0.0.1:6379',
    keyPrefix: 'burst-idle',
  });
  const [runner] = parseConfig(toml, { env: {} }).config.runners;
  if (runner === undefined) {
    throw new Error('the demo config has no runner');
  }
  return runner.autoscaler;
}

describe('burst and idle on the demo fleet', () => {
  it('30 minutes of bursts never exceed max_instances, never end a busy instance, and end at zero', async () => {
    const settings = demoAutoscaler();
    expect(settings.maxInstanceCount).toBe(demoMaxInstances);
    const world = await startScalerWorld();
    try {
      const scaler = world.scaler('scaler-a', settings);
      const jobs = new JobSimulator(world.registry, () => world.clock.now());
      const startMs = world.clock.now();
      const busyAtTermination: string[] = [];
      let peakMembers = 0;
      let seenTerminations = 0;
      const outcomes: TickOutcome[] = [];
      for (let elapsedMs = 0; elapsedMs <= runMs; elapsedMs += tickMs) {
        const burst = elapsedMs % 60_000 === 0 ? bursts.get(elapsedMs / 60_000) : undefined;
        if (burst !== undefined) {
          jobs.enqueue(burst.jobs, burst.runMs);
        }
        // Executors act between ticks; during a tick the claims stand still.
        await jobs.step();
        world.queued = jobs.queued;
        const busy = jobs.busyInstances();
        outcomes.push(await scaler.tick());
        const calls = checkCapacityCalls(world.emulator, demoMaxInstances);
        for (const id of calls.terminated.slice(seenTerminations)) {
          if (busy.has(id)) {
            busyAtTermination.push(id);
          }
        }
        seenTerminations = calls.terminated.length;
        const group = await world.group();
        peakMembers = Math.max(peakMembers, group.members.length);
        expect(group.members.length).toBeLessThanOrEqual(demoMaxInstances);
        expect(liveInstanceIds(world.emulator).length).toBeLessThanOrEqual(demoMaxInstances);
        world.clock.advance(tickMs);
        // sshd processes start and stop on real time.
        await new Promise(resolve => setTimeout(resolve, 20));
      }
      expect(world.clock.now() - startMs).toBeGreaterThanOrEqual(runMs);
      expect(jobs.history()).toHaveLength(40);
      expect(jobs.history().every(r => r.releasedAtMs !== undefined)).toBe(true);
      expect(peakMembers).toBe(demoMaxInstances);
      expect(busyAtTermination).toEqual([]);
      const calls = checkCapacityCalls(world.emulator, demoMaxInstances);
      expect(calls.violations).toEqual([]);
      expect(calls.maxDesired).toBeLessThanOrEqual(demoMaxInstances);
      // Every job ran on an instance that was terminated only after the job had ended.
      for (const termination of calls.terminations) {
        const overlapping = jobs
          .history()
          .filter(r => r.instanceId === termination.instanceId)
          .filter(
            r =>
              r.claimedAtMs <= termination.atMs && (r.releasedAtMs ?? Infinity) > termination.atMs,
          );
        expect(overlapping).toEqual([]);
      }
      const group = await world.group();
      expect(group).toEqual({ desired: 0, members: [] });
      expect(liveInstanceIds(world.emulator)).toEqual([]);
      expect((await world.registry.snapshot()).instances).toEqual([]);
      expect(outcomes.every(o => o.led)).toBe(true);
    } finally {
      await world.cleanup();
    }
  });
});
