import type { JobSpec, JobStatus, JobView, RecordedArtifact } from './types';

/** The mutable state of one job inside a pipeline (a retry is a new record). */
export interface JobRecord {
  readonly id: number;
  readonly spec: JobSpec;
  status: JobStatus;
  /** Effective allow_failure: `allow_failure:exit_codes` turns it on for a listed exit code. */
  allowFailure: boolean;
  failureReason?: string;
  exitCode?: number;
  readonly retryOf?: number;
  retried: boolean;
  readonly retryCount: number;
  /** A manual job someone played: it then counts as a normal job. */
  played: boolean;
  readonly createdAt: Date;
  queuedAt?: Date;
  startedAt?: Date;
  finishedAt?: Date;
  scheduledAt?: Date;
  readonly artifacts: RecordedArtifact[];
}

/** Statuses after which a job no longer changes by itself. */
export const completedStatuses: readonly JobStatus[] = ['success', 'failed', 'canceled', 'skipped'];

/** Statuses from which a job can be canceled. */
export const cancelableStatuses: readonly JobStatus[] = [
  'created',
  'waiting_for_resource',
  'pending',
  'running',
  'manual',
  'scheduled',
];

/** Creates the record of a new job (first try or retry) in `created` state. */
export function newRecord(
  id: number,
  spec: JobSpec,
  createdAt: Date,
  retry?: { of: number; count: number },
): JobRecord {
  return {
    id,
    spec,
    status: 'created',
    allowFailure: spec.allowFailure,
    ...(retry ? { retryOf: retry.of } : {}),
    retried: false,
    retryCount: retry?.count ?? 0,
    played: false,
    createdAt,
    artifacts: [],
  };
}

/** A read-only snapshot of a record for callers. */
export function viewOf(record: JobRecord): JobView {
  const { spec } = record;
  return {
    id: record.id,
    name: spec.name,
    stage: spec.stage,
    status: record.status,
    when: spec.when,
    allowFailure: record.allowFailure,
    tags: spec.tags,
    retried: record.retried,
    retryCount: record.retryCount,
    interruptible: spec.interruptible,
    timeoutSeconds: spec.timeoutSeconds ?? 3600,
    artifacts: [...record.artifacts],
    ...(record.failureReason === undefined ? {} : { failureReason: record.failureReason }),
    ...(record.exitCode === undefined ? {} : { exitCode: record.exitCode }),
    ...(record.retryOf === undefined ? {} : { retryOf: record.retryOf }),
    ...(spec.coverage === undefined ? {} : { coverage: spec.coverage }),
    ...(spec.resourceGroup === undefined ? {} : { resourceGroup: spec.resourceGroup }),
    ...(spec.environment === undefined ? {} : { environment: spec.environment }),
    ...(record.queuedAt ? { queuedAt: record.queuedAt } : {}),
    ...(record.startedAt ? { startedAt: record.startedAt } : {}),
    ...(record.finishedAt ? { finishedAt: record.finishedAt } : {}),
    ...(record.scheduledAt ? { scheduledAt: record.scheduledAt } : {}),
  };
}
