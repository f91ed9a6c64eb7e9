import type { JobStatus, PipelineStatus } from './types';

/** One job as the composite status sees it. */
export interface StatusEntry {
  readonly status: JobStatus;
  readonly allowFailure: boolean;
}

type Kind = JobStatus | 'success_with_warnings' | 'ignored';

function kindOf(entry: StatusEntry): Kind {
  if (entry.allowFailure && entry.status === 'failed') {
    return 'success_with_warnings';
  }
  if (entry.allowFailure && entry.status === 'manual') {
    return 'ignored';
  }
  return entry.status;
}

/**
 * GitLab's composite status of a set of jobs (a stage, the jobs a job needs, or a pipeline):
 * allowed failures count as success with warnings, non-blocking manual jobs are ignored, and in
 * DAG mode a skipped or ignored need makes the whole set skipped. `undefined` for an empty set.
 */
export function compositeStatus(
  entries: readonly StatusEntry[],
  dag = false,
): PipelineStatus | undefined {
  if (entries.length === 0) {
    return undefined;
  }
  const kinds = new Set(entries.map(kindOf));
  const onlyOf = (...allowed: Kind[]): boolean => [...kinds].every(kind => allowed.includes(kind));
  const anyOf = (...wanted: Kind[]): boolean => wanted.some(kind => kinds.has(kind));
  if (dag && anyOf('skipped', 'ignored')) {
    return 'skipped';
  }
  if (onlyOf('skipped', 'ignored')) {
    return 'skipped';
  }
  if (onlyOf('success', 'skipped', 'success_with_warnings', 'ignored')) {
    return 'success';
  }
  if (onlyOf('created', 'success_with_warnings', 'ignored')) {
    return 'created';
  }
  if (onlyOf('canceled', 'success', 'skipped', 'success_with_warnings', 'ignored')) {
    return 'canceled';
  }
  if (onlyOf('pending', 'created', 'skipped', 'success_with_warnings', 'ignored')) {
    return 'pending';
  }
  if (anyOf('running', 'pending')) {
    return 'running';
  }
  if (anyOf('canceling')) {
    return 'canceling';
  }
  if (anyOf('waiting_for_resource')) {
    return 'waiting_for_resource';
  }
  if (anyOf('manual')) {
    return 'manual';
  }
  if (anyOf('scheduled')) {
    return 'scheduled';
  }
  if (anyOf('created')) {
    return 'running';
  }
  return 'failed';
}

/** `true` when the set holds an allowed failure (GitLab's "passed with warnings"). */
export function hasWarnings(entries: readonly StatusEntry[]): boolean {
  return entries.some(entry => kindOf(entry) === 'success_with_warnings');
}
