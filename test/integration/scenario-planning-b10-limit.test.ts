// B10 limit with idle_count 0: max_instances 3 and 10 jobs. Intake takes only what the potential
// capacity (3 × 1 slot) allows, so at most 3 instances exist in any state at every tick; the
// other 7 jobs wait in GitLab, are never failed, and start as slots free up, until all 10
// succeed. Real poller (10 request loops), GitLab emulator, real Redis and registry, the real
// scaler on the AWS emulator (real sshd, manual clock); the test plays the executor through the
// registry's claim and release, one tick per job.
import type { TickOutcome } from '@taskfleet/scaler';

import { startScalerWorld } from './scaler-harness';
import type { ScalerWorld } from './scaler-harness';
import { clockReading, eventually, startIntakeWorld } from './support/intake-world';
import type { IntakeWorld } from './support/intake-world';

jest.setTimeout(120_000);

const jobCount = 10;

interface Sample {
  readonly members: number;
  readonly desired: number;
  readonly planned: number;
  readonly running: number;
  readonly pending: number;
  readonly failed: number;
}

describe('B10 limit with idle_count 0', () => {
  let aws: ScalerWorld;
  let intake: IntakeWorld;

  beforeEach(async () => {
    aws = await startScalerWorld();
    intake = await startIntakeWorld({
      longPollTimeoutMs: 200,
      clock: clockReading(() => aws.clock.now()),
      noCapacityWakeMs: 20,
      ciYaml: `fan-out:\n  parallel: ${jobCount}\n  script:\n    - "true"\n`,
      runners: [
        {
          runner: 'request_concurrency = 10',
          autoscaler: 'capacity_per_instance = 1\nmax_instances = 3',
          policy: '[[runners.autoscaler.policy]]\nidle_count = 0\nidle_time = "1m"',
        },
      ],
    });
  });

  afterEach(async () => {
    await intake.cleanup();
    await aws.cleanup();
  });

  it('keeps ≤3 instances in any state while 7 of 10 jobs wait unfailed, and runs all 10', async () => {
    const scaler = intake.scaler(aws, intake.config.runners[0]!.autoscaler);
    const registry = intake.registries[0]!;
    const jobs = await intake.pipeline();
    expect(jobs).toHaveLength(jobCount);
    const status = (id: number) => intake.emulator.admin.getJob(id).status;
    const count = (value: string) => jobs.filter(id => status(id) === value).length;
    intake.poller.start();
    await eventually('3 jobs taken', async () => (await registry.snapshot()).pendingJobs === 3);
    expect([count('running'), count('pending'), count('failed')]).toEqual([3, 7, 0]);

    const samples: Sample[] = [];
    const claimed = new Set<number>();
    const done = new Set<number>();
    await aws.tickUntil(
      scaler,
      async (outcome: TickOutcome) => {
        const group = await aws.group();
        const plan = outcome.led ? outcome.plan : undefined;
        samples.push({
          members: group.members.length,
          desired: group.desired,
          planned: (plan?.totalInstanceCount ?? 0) + (plan?.toCreate ?? 0),
          running: count('running'),
          pending: count('pending'),
          failed: count('failed'),
        });
        // The executor: jobs claimed last tick end now; accepted jobs claim a free slot.
        for (const id of claimed) {
          await intake.succeed(id);
          await registry.releaseSlot(String(id));
          claimed.delete(id);
          done.add(id);
        }
        for (const id of jobs) {
          if (!done.has(id) && status(id) === 'running' && (await registry.claimSlot(String(id)))) {
            claimed.add(id);
          }
        }
        return count('success') === jobCount;
      },
      { maxTicks: 80 },
    );
    const worst = (key: keyof Sample) => Math.max(...samples.map(s => s[key]));
    expect([worst('members'), worst('desired'), worst('planned'), worst('running')]).toEqual([
      3, 3, 3, 3,
    ]);
    expect(worst('failed')).toBe(0);
    // Jobs waited: some tick saw jobs still pending in GitLab while the fleet was full.
    expect(samples.some(s => s.pending > 0 && s.members === 3)).toBe(true);
    expect(jobs.map(status)).toEqual(jobs.map(() => 'success'));
  });
});
