import { compositeStatus } from './composite-status';
import { completedStatuses, type JobRecord } from './job-record';
import type { ResourceGroups } from './resource-groups';
import type { JobSpec, PipelineStatus } from './types';

/** What the scheduler works on: the pipeline's records, a clock and the resource locks. */
export interface ScheduleState {
  readonly records: JobRecord[];
  readonly now: () => Date;
  readonly resourceGroups: ResourceGroups;
}

/** The latest try of every job (retried records no longer count). */
export function latestRecords(state: ScheduleState): JobRecord[] {
  return state.records.filter(record => !record.retried);
}

/** The latest records a job's `needs` point at (all copies of a parallel job, or matrix picks). */
export function neededRecords(spec: JobSpec, latest: readonly JobRecord[]): JobRecord[] {
  const needs = spec.needs ?? [];
  return latest.filter(candidate =>
    needs.some(need => {
      if (candidate.spec.baseName !== need.job) {
        return false;
      }
      if (!need.matrix) {
        return true;
      }
      const values = candidate.spec.matrixValues ?? {};
      return need.matrix.some(selection =>
        Object.entries(selection).every(([key, value]) => values[key] === value),
      );
    }),
  );
}

function previousStatus(record: JobRecord, latest: readonly JobRecord[]): PipelineStatus {
  const { spec } = record;
  if (spec.needs) {
    return compositeStatus(neededRecords(spec, latest), true) ?? 'success';
  }
  const earlier = latest.filter(other => other.spec.stageIndex < spec.stageIndex);
  return compositeStatus(earlier) ?? 'success';
}

function validStatuses(spec: JobSpec): readonly PipelineStatus[] {
  switch (spec.when) {
    case 'on_success':
    case 'manual':
    case 'delayed':
      return spec.needs ? ['success'] : ['success', 'skipped'];
    case 'on_failure':
      return ['failed'];
    case 'always':
      return ['success', 'failed', 'skipped'];
  }
}

/** Puts a job in the queue: pending, or waiting for its resource group. */
export function enqueue(record: JobRecord, state: ScheduleState): void {
  record.status = record.spec.resourceGroup ? 'waiting_for_resource' : 'pending';
  if (record.status === 'pending') {
    record.queuedAt = state.now();
  }
}

function startJob(record: JobRecord, state: ScheduleState): void {
  const { spec } = record;
  if (spec.when === 'manual' && !record.played) {
    record.status = 'manual';
  } else if (spec.when === 'delayed' && !record.played) {
    record.status = 'scheduled';
    record.scheduledAt = new Date(state.now().getTime() + (spec.startInSeconds ?? 0) * 1000);
  } else {
    enqueue(record, state);
  }
}

function promote(state: ScheduleState, latest: readonly JobRecord[]): boolean {
  let changed = false;
  const now = state.now().getTime();
  for (const record of latest) {
    if (
      record.status === 'scheduled' &&
      record.scheduledAt &&
      record.scheduledAt.getTime() <= now
    ) {
      record.played = true;
      enqueue(record, state);
      changed = true;
    }
    const group = record.spec.resourceGroup;
    if (
      record.status === 'waiting_for_resource' &&
      group &&
      state.resourceGroups.acquire(group, record.id)
    ) {
      record.status = 'pending';
      record.queuedAt = state.now();
      changed = true;
    }
  }
  return changed;
}

/**
 * Moves jobs forward until nothing changes, as GitLab's atomic processing does: a `created` job
 * whose previous jobs (earlier stages, or its needs) are complete either starts (per `when`) or
 * is skipped; delayed jobs whose time came and jobs whose resource got free become pending.
 */
export function processPipeline(state: ScheduleState): void {
  for (let changed = true; changed;) {
    changed = false;
    const latest = latestRecords(state);
    for (const record of latest) {
      if (record.status !== 'created') {
        continue;
      }
      const previous = previousStatus(record, latest);
      if (!(completedStatuses as readonly string[]).includes(previous)) {
        continue;
      }
      if (validStatuses(record.spec).includes(previous)) {
        startJob(record, state);
      } else {
        record.status = 'skipped';
      }
      changed = true;
    }
    changed = promote(state, latest) || changed;
  }
}

/** Skipped jobs after `record` go back to `created` (GitLab does this on retry and on play). */
export function resetSkippedAfter(record: JobRecord, state: ScheduleState): void {
  const latest = latestRecords(state);
  const dependsOn = (candidate: JobRecord, seen: Set<number>): boolean => {
    if (seen.has(candidate.id)) {
      return false;
    }
    seen.add(candidate.id);
    if (!candidate.spec.needs) {
      return candidate.spec.stageIndex > record.spec.stageIndex;
    }
    return neededRecords(candidate.spec, latest).some(
      need => need.spec.baseName === record.spec.baseName || dependsOn(need, seen),
    );
  };
  for (const candidate of latest) {
    if (candidate.status === 'skipped' && candidate !== record && dependsOn(candidate, new Set())) {
      candidate.status = 'created';
    }
  }
}
