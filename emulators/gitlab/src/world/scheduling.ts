import type { CiJobView } from '../pipeline-port';
import type { RunnerRecord } from '../state/runner-registry';

/** A pending job together with what scheduling needs to know about it. */
export interface Candidate {
  readonly job: CiJobView;
  readonly projectId: number;
}

/** Whether GitLab would hand `job` of `projectId` to `runner` (tags, run_untagged, ownership). */
export function runnerCanRun(runner: RunnerRecord, job: CiJobView, projectId: number): boolean {
  if (runner.paused) {
    return false;
  }
  if (runner.runnerType === 'project_type' && !runner.projectIds.includes(projectId)) {
    return false;
  }
  if (job.tags.length === 0) {
    return runner.runUntagged;
  }
  return job.tags.every(tag => runner.tags.includes(tag));
}

/**
 * Orders the jobs a runner may take as GitLab's queue does: project runners take the oldest job
 * first; instance runners use fair scheduling, preferring projects with fewer jobs running on
 * instance runners, then the oldest job.
 */
export function orderCandidates(
  runner: RunnerRecord,
  candidates: readonly Candidate[],
  runningOnInstanceRunners: (projectId: number) => number,
): Candidate[] {
  const sorted = [...candidates];
  if (runner.runnerType === 'project_type') {
    return sorted.sort((a, b) => a.job.id - b.job.id);
  }
  const running = new Map<number, number>();
  for (const { projectId } of candidates) {
    if (!running.has(projectId)) {
      running.set(projectId, runningOnInstanceRunners(projectId));
    }
  }
  const countOf = (projectId: number): number => running.get(projectId) ?? 0;
  return sorted.sort((a, b) => countOf(a.projectId) - countOf(b.projectId) || a.job.id - b.job.id);
}
