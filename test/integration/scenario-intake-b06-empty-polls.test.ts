// B06 empty polls burn no uses: with idle_count 2 and max_use_count 1, a hundred polls that
// return no job reserve and release capacity but never touch an instance: no use is counted and
// nothing is removed; the one job that then arrives is one use. Real poller (preemptive mode),
// GitLab emulator, real Redis and registry; the scaler's own planner reads the result.
import { ManualClock } from '@taskfleet/gitlab';
import { toInstanceView } from '@taskfleet/scaler';
import { chooseRemovals, countFleet, desiredInstances } from '@taskfleet/taskscaler';

import { eventually, startIntakeWorld } from './support/intake-world';
import type { IntakeWorld } from './support/intake-world';

jest.setTimeout(60_000);

describe('B06 empty polls burn no uses', () => {
  let intake: IntakeWorld;

  afterEach(async () => {
    await intake.cleanup();
  });

  it('leaves use counts unchanged over 100 empty polls and records exactly one use per job', async () => {
    intake = await startIntakeWorld({
      longPollTimeoutMs: 5,
      // Each wait between polls (check_interval) passes at once, so 100 polls take no real second each.
      clock: new ManualClock(Date.now(), { autoAdvance: true }),
      runners: [
        {
          runner: 'request_concurrency = 1',
          autoscaler: 'capacity_per_instance = 1\nmax_instances = 4\nmax_use_count = 1',
          policy: '[[runners.autoscaler.policy]]\nidle_count = 2\nidle_time = "20m"',
        },
      ],
    });
    const settings = intake.config.runners[0]!.autoscaler;
    expect(settings.policies[0]?.preemptiveMode).toBe(true);
    const registry = intake.registries[0]!;
    const lease = await registry.acquireLease('scaler', 24 * 3_600_000);
    if (!lease.acquired) {
      throw new Error('lease not acquired');
    }
    for (const id of ['i-a', 'i-b']) {
      await registry.registerInstance(lease.fencingToken, {
        instanceId: id,
        state: 'booting',
        capacityPerInstance: 1,
        maxUseCount: 1,
      });
      await registry.markReady(id, lease.fencingToken);
    }

    intake.poller.start();
    await eventually(
      '100 empty polls',
      () => intake.jobRequests().filter(r => r.status === 204).length >= 100,
    );
    const afterPolls = await registry.snapshot();
    expect(
      afterPolls.instances.map(i => [i.instanceId, i.state, i.useCount, i.claimedSlots]),
    ).toEqual([
      ['i-a', 'ready', 0, 0],
      ['i-b', 'ready', 0, 0],
    ]);
    expect(afterPolls.pendingJobs).toBe(0);
    // The scaler's planner on this state: nothing to remove, nothing to create.
    const usability = { maxUseCount: 1, failureThreshold: 3 };
    const views = afterPolls.instances.map(r => toInstanceView(r, usability));
    const plan = desiredInstances({
      demand: { queued: 0, pending: afterPolls.pendingJobs, reserved: afterPolls.reservedSlots },
      fleet: countFleet(views, usability),
      policy: settings.policies[0]!,
      capacityPerInstance: 1,
      maxInstanceCount: 4,
    });
    expect(plan).toMatchObject({ targetInstances: 2, toCreate: 0, removableCount: 0 });
    const removals = chooseRemovals(views, afterPolls.atMs, {
      ...usability,
      idleTimeMs: settings.policies[0]!.idleTimeMs,
      creationTimeoutMs: null,
      plan,
    });
    expect(removals).toEqual([]);

    // A real job arrives: the poller takes it against an idle slot; its claim is the one use.
    const [jobId] = await intake.pipeline();
    await eventually('job taken', async () => (await registry.snapshot()).pendingJobs === 1);
    const claim = await registry.claimSlot(String(jobId));
    expect(claim).toBeDefined();
    const afterJob = await registry.snapshot();
    const uses = afterJob.instances.map(i => i.useCount);
    expect(uses.reduce((a, b) => a + b, 0)).toBe(1);
    expect(afterJob.instances.find(i => i.instanceId === claim?.instanceId)).toMatchObject({
      useCount: 1,
      state: 'retired',
    });
    expect(intake.emulator.admin.getJob(jobId!).status).toBe('running');
  });
});
