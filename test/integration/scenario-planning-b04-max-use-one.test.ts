// B04 max_use_count 1 + idle_count 0: one job gets one fresh instance; after the job the
// instance is removed within one scaler tick, no replacement is launched, desired capacity is 0,
// and for the next 3 hours (while the poller keeps polling) no instance exists. Real poller,
// GitLab emulator, real Redis and registry, the real scaler on the AWS emulator (real sshd,
// manual clock); the test plays the executor through the registry's claim and release.
import type { TickOutcome } from '@taskfleet/scaler';

import { startScalerWorld } from './scaler-harness';
import type { ScalerWorld } from './scaler-harness';
import { clockReading, eventually, startIntakeWorld } from './support/intake-world';
import type { IntakeWorld } from './support/intake-world';

jest.setTimeout(90_000);

const minuteMs = 60_000;
const led = (o: TickOutcome) => (o.led ? o : undefined);

describe('B04 max_use_count 1 + idle_count 0', () => {
  let aws: ScalerWorld;
  let intake: IntakeWorld;

  beforeEach(async () => {
    aws = await startScalerWorld();
    intake = await startIntakeWorld({
      longPollTimeoutMs: 200,
      clock: clockReading(() => aws.clock.now()),
      noCapacityWakeMs: 20,
      runners: [
        {
          runner: 'request_concurrency = 2',
          autoscaler: 'capacity_per_instance = 1\nmax_instances = 3\nmax_use_count = 1',
          policy:
            '[[runners.autoscaler.policy]]\nperiods = ["* * * * *"]\nidle_count = 0\nidle_time = "2h"',
        },
      ],
    });
  });

  afterEach(async () => {
    await intake.cleanup();
    await aws.cleanup();
  });

  it('removes the used instance after its job, launches no replacement, and stays at 0', async () => {
    const scaler = intake.scaler(aws, intake.config.runners[0]!.autoscaler);
    const registry = intake.registries[0]!;
    const [jobId] = await intake.pipeline();
    intake.poller.start();
    await eventually('job taken', async () => (await registry.snapshot()).pendingJobs === 1);

    const rising = await aws.tickUntil(
      scaler,
      async () => (await registry.snapshot()).instancesByState.ready === 1,
    );
    expect(rising.reduce((n, o) => n + (led(o)?.apply.requested ?? 0), 0)).toBe(1);
    const claim = await registry.claimSlot(String(jobId));
    expect(claim).toBeDefined();
    // Running its one job, the instance is retired: nothing more is asked for.
    const [running] = await aws.tickUntil(scaler, () => true, { maxTicks: 1 });
    expect(led(running!)?.plan).toMatchObject({ targetInstances: 1, toCreate: 0 });

    await intake.succeed(jobId!);
    await registry.releaseSlot(String(jobId));
    const [after] = await aws.tickUntil(scaler, () => true, { maxTicks: 1 });
    expect(led(after!)?.removals).toEqual([
      expect.objectContaining({ id: claim?.instanceId, reason: 'max_use_count' }),
    ]);
    expect(led(after!)?.plan.toCreate).toBe(0);
    expect(led(after!)?.apply.requested).toBe(0);
    expect((await aws.group()).desired).toBe(0);

    // Three hours without a job, polls going on all the while: no instance, desired 0.
    const polls = intake.jobRequests().length;
    const quiet: { requested: number; toCreate: number; members: number; desired: number }[] = [];
    for (let tick = 0; tick < 18; tick += 1) {
      aws.clock.advance(10 * minuteMs);
      await new Promise(resolve => setTimeout(resolve, 30));
      const outcome = led(await scaler.tick());
      const now = await aws.group();
      quiet.push({
        requested: outcome?.apply.requested ?? -1,
        toCreate: outcome?.plan.toCreate ?? -1,
        members: now.members.filter(m => m.lifecycleState !== 'Terminating').length,
        desired: now.desired,
      });
    }
    expect(quiet).toEqual(quiet.map(() => ({ requested: 0, toCreate: 0, members: 0, desired: 0 })));
    const group = await aws.group();
    expect(group).toEqual({ desired: 0, members: [] });
    expect((await registry.snapshot()).instances).toEqual([]);
    expect(intake.jobRequests().length).toBeGreaterThan(polls);
    expect(intake.emulator.admin.getJob(jobId!).status).toBe('success');
  });
});
