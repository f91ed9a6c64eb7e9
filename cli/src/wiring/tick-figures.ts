import type { RunnerConfig } from '@taskfleet/config';
import type { RegistrySnapshot } from '@taskfleet/registry';
import { heldCreationsOf } from '@taskfleet/scaler';
import type { TickReport } from '@taskfleet/scaler';
import { metricNames } from '@taskfleet/telemetry';
import type { ReportFigure } from '@taskfleet/telemetry';

/** What one leader tick exports: its report, the registry right after it, the runner's config. */
export interface TickView {
  readonly report: TickReport;
  readonly snapshot: RegistrySnapshot;
  readonly runner: RunnerConfig;
}

function freeSlotsOn(snapshot: RegistrySnapshot, state: string): number {
  return snapshot.instances
    .filter(i => i.state === state)
    .reduce((sum, i) => sum + Math.max(0, i.capacityPerInstance - i.claimedSlots), 0);
}

/**
 * Jobs waiting for a slot that no free, booting or requested instance will give them (B38):
 * what the fleet cannot serve now even once everything on its way is ready.
 */
export function unmetDemandJobs(view: TickView): number {
  const { plan, pendingCreations } = view.report;
  const coming =
    view.snapshot.idleReadySlots +
    view.snapshot.upcomingSlots +
    pendingCreations * plan.capacityPerInstance;
  return Math.max(0, plan.queued + plan.pending - coming);
}

/**
 * The scaler's figures, one row per metric (reference/autoscaler.md §5 names first). A new
 * TickReport field is exported by adding one row here.
 */
export const tickFigures: readonly ReportFigure<TickView>[] = [
  {
    kind: 'gauge-family',
    name: metricNames.provisionerInstances,
    help: 'Instances in the registry per lifecycle state.',
    label: 'state',
    read: v => v.snapshot.instancesByState,
  },
  {
    kind: 'gauge-family',
    name: metricNames.taskscalerTasks,
    help: 'Slots and jobs per task state (idle, pending, reserved, acquired, unavailable, unhealthy).',
    label: 'state',
    read: v => ({
      idle: v.snapshot.idleReadySlots,
      pending: v.report.plan.queued + v.report.plan.pending,
      reserved: v.snapshot.reservedSlots,
      acquired: v.snapshot.claimedSlots,
      unavailable: v.snapshot.unavailableSlots,
      unhealthy: freeSlotsOn(v.snapshot, 'unhealthy'),
    }),
  },
  {
    kind: 'gauge',
    name: metricNames.provisionerMaxInstances,
    help: 'The instance cap in force: max_instances lowered to the group max size (0 unlimited).',
    read: v => v.report.plan.maxInstanceCount ?? 0,
  },
  {
    kind: 'gauge',
    name: metricNames.taskscalerMaxTasksPerInstance,
    help: 'capacity_per_instance.',
    read: v => v.report.plan.capacityPerInstance,
  },
  {
    kind: 'gauge',
    name: metricNames.taskscalerMaxUseCountPerInstance,
    help: 'max_use_count (0 unlimited).',
    read: v => v.runner.autoscaler.maxUseCount ?? 0,
  },
  {
    kind: 'gauge',
    name: metricNames.taskscalerDesiredInstances,
    help: 'Instances the planner wants after the cap.',
    read: v => v.report.plan.targetInstances,
  },
  {
    kind: 'gauge',
    name: metricNames.wantedInstances,
    help: 'Instances the planner wants before any cap.',
    read: v => v.report.plan.wantedInstances,
  },
  {
    kind: 'gauge',
    name: metricNames.idleTargetSlots,
    help: 'Idle slots the active policy keeps: idle_count, or the scale factor when higher.',
    read: v => v.report.plan.idleTargetSlots,
  },
  {
    kind: 'gauge',
    name: metricNames.desiredCapacity,
    help: "The group's desired capacity as the cloud reported it this tick.",
    read: v => v.report.capacity.actualDesired,
  },
  {
    kind: 'gauge',
    name: metricNames.desiredCapacityDrift,
    help: 'Desired capacity the cloud reports minus what our own changes left (B01, B55).',
    read: v => v.report.capacity.drift,
  },
  {
    kind: 'gauge',
    name: metricNames.cappedByAsgMax,
    help: "Wanted instances (within max_instances) the group's max size cut off (B58).",
    read: v => v.report.cappedByAsgMax,
  },
  {
    kind: 'gauge',
    name: metricNames.unmetDemandJobs,
    help: 'Waiting jobs no free, booting or requested slot will serve (B38).',
    read: unmetDemandJobs,
  },
  {
    kind: 'gauge',
    name: metricNames.pendingCreations,
    help: 'Creations asked of the cloud and not yet listed by it.',
    read: v => v.report.pendingCreations,
  },
  {
    kind: 'gauge',
    name: metricNames.orphanAge,
    help: 'Seconds since the oldest group member without a record was first seen; alert past 3600 (B32).',
    read: v => v.report.orphanAgeSeconds,
  },
  {
    kind: 'gauge',
    name: metricNames.bootFailureRatio,
    help: 'Share of the last 50 boots that never became ready (0..1); alert above 0.1 (B40).',
    read: v => v.report.bootFailureRatio,
  },
  {
    kind: 'gauge',
    name: metricNames.creationBackoff,
    help: 'Seconds creations are still held because new instances keep failing to boot (0: none).',
    read: v => v.report.creationBackoff.remainingMs / 1000,
  },
  {
    kind: 'gauge',
    name: metricNames.consecutiveBootFailures,
    help: 'Boot failures since the last instance that became ready; each doubles the back-off.',
    read: v => v.report.creationBackoff.consecutiveBootFailures,
  },
  {
    kind: 'gauge-family',
    name: metricNames.heldCreations,
    help: 'Instances the last tick wanted but did not ask for, by the limit that held them.',
    label: 'reason',
    read: v => heldCreationsOf(v.report.apply),
  },
  {
    kind: 'gauge',
    name: metricNames.scalerLastTick,
    help: 'When this pool last had a leader tick (epoch seconds).',
    read: v => v.snapshot.atMs / 1000,
  },
  {
    kind: 'counter',
    name: metricNames.removals,
    help: 'Terminations sent (and failed creations seen), by reason.',
    label: 'reason',
    read: v => v.report.removalsByReason,
  },
  {
    kind: 'counter',
    name: metricNames.taskscalerScaleOperations,
    help: 'Instances asked for (up) and terminated (down).',
    label: 'operation',
    read: v => ({ up: v.report.apply.requested, down: v.report.apply.terminated.length }),
  },
  {
    kind: 'counter',
    name: metricNames.provisionerInstanceOperations,
    help: 'Instance operations the cloud accepted: create, delete.',
    label: 'operation',
    read: v => ({ create: v.report.apply.requested, delete: v.report.apply.terminated.length }),
  },
];
