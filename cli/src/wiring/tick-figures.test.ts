import { Registry, ReportExporter } from '@taskfleet/telemetry';

import { tickFigures, unmetDemandJobs } from './tick-figures';
import type { TickView } from './tick-figures';

// Only the fields the table reads; the rest of a TickReport does not matter here.
function view(input: {
  queued: number;
  pending: number;
  idleReadySlots: number;
  upcomingSlots: number;
  pendingCreations: number;
}): TickView {
  return {
    report: {
      plan: {
        queued: input.queued,
        pending: input.pending,
        capacityPerInstance: 2,
        maxInstanceCount: 3,
        targetInstances: 3,
        wantedInstances: 5,
        idleTargetSlots: 0,
      },
      pendingCreations: input.pendingCreations,
      bootFailureRatio: 0.2,
      creationBackoff: { consecutiveBootFailures: 3, remainingMs: 8_000 },
      orphanAgeSeconds: 4000,
      capacity: { actualDesired: 3, expectedDesired: 2, drift: 1, groupMaxSize: 3 },
      cappedByAsgMax: 2,
      removalsByReason: { idle_timeout: 1 },
      apply: {
        requested: 1,
        terminated: ['i-1'],
        heldByScaleThrottle: 2,
        heldByLaunchBudget: 4,
        heldByBootBackoff: 0,
      },
    },
    snapshot: {
      atMs: 5_000,
      instances: [],
      instancesByState: { ready: 2, creating: 1 },
      idleReadySlots: input.idleReadySlots,
      upcomingSlots: input.upcomingSlots,
      reservedSlots: 0,
      claimedSlots: 3,
      unavailableSlots: 0,
    },
    runner: { autoscaler: { maxUseCount: null } },
  } as unknown as TickView;
}

describe('tick figures', () => {
  it('counts as unmet demand the waiting jobs no free, booting or requested slot serves (B38)', () => {
    const base = {
      queued: 5,
      pending: 1,
      idleReadySlots: 1,
      upcomingSlots: 2,
      pendingCreations: 1,
    };
    expect(unmetDemandJobs(view(base))).toBe(1);
    expect(unmetDemandJobs(view({ ...base, pendingCreations: 3 }))).toBe(0);
  });

  it('exports the report under the dashboard names, labelled by group and runner', async () => {
    const registry = new Registry();
    new ReportExporter(registry, tickFigures).observe(
      { group: 'asg', runner: 'r1-abc', runnerName: 'linux' },
      view({ queued: 5, pending: 1, idleReadySlots: 1, upcomingSlots: 2, pendingCreations: 1 }),
    );
    const text = await registry.metrics();
    const labels = 'group="asg",runner="r1-abc",runner_name="linux"';
    for (const line of [
      `fleeting_provisioner_instances{${labels},state="ready"} 2`,
      `fleeting_taskscaler_tasks{${labels},state="pending"} 6`,
      `fleeting_taskscaler_tasks{${labels},state="acquired"} 3`,
      `fleeting_taskscaler_desired_instances{${labels}} 3`,
      `fleeting_provisioner_max_instances{${labels}} 3`,
      `taskfleet_desired_capacity_drift{${labels}} 1`,
      `taskfleet_capped_by_asg_max_instances{${labels}} 2`,
      `taskfleet_unmet_demand_jobs{${labels}} 1`,
      `taskfleet_boot_failure_ratio{${labels}} 0.2`,
      `taskfleet_creation_backoff_seconds{${labels}} 8`,
      `taskfleet_consecutive_boot_failures{${labels}} 3`,
      `taskfleet_held_creations{${labels},reason="scale_throttle"} 2`,
      `taskfleet_held_creations{${labels},reason="account_launch_budget"} 4`,
      `taskfleet_held_creations{${labels},reason="boot_backoff"} 0`,
      `taskfleet_orphan_age_seconds{${labels}} 4000`,
      `taskfleet_removals_total{${labels},reason="idle_timeout"} 1`,
      `fleeting_taskscaler_scale_operations_total{${labels},operation="down"} 1`,
    ]) {
      expect(text).toContain(line);
    }
  });
});
