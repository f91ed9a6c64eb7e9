// B03 long-poll reservations: ten job requests held open by GitLab each hold a reservation, yet
// with idle_count 0 and idle_time 5m the four idle instances all go within ten minutes, and the
// scaler's formula never counts an open poll as demand. Real poller, GitLab emulator (held long
// polls), real Redis and registry, the real scaler on the AWS emulator (real sshd, manual clock).
import type { TickOutcome } from '@taskfleet/scaler';

import { startScalerWorld } from './scaler-harness';
import type { ScalerWorld } from './scaler-harness';
import { clockReading, eventually, startIntakeWorld } from './support/intake-world';
import type { IntakeWorld } from './support/intake-world';

jest.setTimeout(90_000);

const minuteMs = 60_000;

describe('B03 long-poll reservations', () => {
  let aws: ScalerWorld;
  let intake: IntakeWorld;

  beforeEach(async () => {
    aws = await startScalerWorld();
    intake = await startIntakeWorld({
      // Held far longer than the test runs: every poll stays open the whole ten minutes.
      longPollTimeoutMs: 120_000,
      clock: clockReading(() => aws.clock.now()),
      // The polls outlive the simulated minutes; their reservations must not lapse meanwhile.
      reservationTtlMs: 60 * minuteMs,
      runners: [
        {
          // Ten polls held at once from the start: the fixed request_concurrency, since the
          // adaptive limit would hold one until jobs came (B03 is about what open polls pin).
          runner:
            'request_concurrency = 10\nfeature_flags = { FF_USE_ADAPTIVE_REQUEST_CONCURRENCY = false }',
          autoscaler: 'capacity_per_instance = 2\nmax_instances = 5',
          policy: '[[runners.autoscaler.policy]]\nidle_count = 0\nidle_time = "5m"',
        },
      ],
    });
  });

  afterEach(async () => {
    await intake.cleanup();
    await aws.cleanup();
  });

  it('removes all 4 idle instances within 10 minutes while 10 polls hold reservations', async () => {
    const settings = intake.config.runners[0]!.autoscaler;
    expect(settings.policies[0]).toMatchObject({ idleCount: 0, idleTimeMs: 5 * minuteMs });
    let queued = 8;
    const scaler = intake.scaler(aws, settings, () => queued);
    const registry = intake.registries[0]!;
    // Eight jobs' worth of demand brings up four instances of two slots; then it is gone.
    await aws.tickUntil(
      scaler,
      async () => (await registry.snapshot()).instancesByState.ready === 4,
    );
    queued = 0;

    intake.poller.start();
    await eventually(
      '10 reservations',
      async () => (await registry.snapshot()).reservedSlots === 10,
    );
    await eventually(
      '10 held polls',
      () => intake.jobRequests().filter(r => r.status === undefined).length === 10,
    );

    const outcomes: TickOutcome[] = [];
    await aws.tickUntil(
      scaler,
      async outcome => {
        outcomes.push(outcome);
        const group = await aws.group();
        return group.desired === 0 && group.members.length === 0;
      },
      { stepMs: minuteMs, maxTicks: 10 },
    );
    const plans = outcomes.map(o => (o.led ? o.plan : undefined));
    expect(plans.every(p => p !== undefined)).toBe(true);
    // Every tick saw the ten reservations and counted none of them as demand.
    expect(plans.map(p => [p?.reserved, p?.inUseSlots, p?.toCreate])).toEqual(
      plans.map(() => [10, 0, 0]),
    );
    const removals = outcomes.flatMap(o => (o.led ? o.removals : []));
    expect(removals.map(r => r.reason)).toEqual([
      'idle_timeout',
      'idle_timeout',
      'idle_timeout',
      'idle_timeout',
    ]);
    expect(removals.every(r => r.idleForMs >= 5 * minuteMs)).toBe(true);
    expect(outcomes.reduce((n, o) => n + (o.led ? o.apply.requested : 0), 0)).toBe(0);
    // The polls are still open: none was answered while the fleet went to zero.
    expect(intake.jobRequests().filter(r => r.status === undefined)).toHaveLength(10);
    expect((await registry.snapshot()).reservedSlots).toBe(10);
  });
});
