import type { RegistrySnapshot } from '@taskfleet/registry';

/** Job and instance counts that the demo redraws while a pipeline runs. */
export interface ProgressCounts {
  readonly jobsPending: number;
  readonly jobsRunning: number;
  readonly jobsDone: number;
  readonly instancesPending: number;
  readonly instancesReady: number;
  readonly instancesBusy: number;
}

const doneStatuses = new Set(['success', 'failed', 'canceled', 'skipped']);

/** Counts jobs by GitLab status and instances by registry state (busy = any claimed slot). */
export function progressCounts(
  jobStatuses: readonly string[],
  snapshot: Pick<RegistrySnapshot, 'instances'>,
): ProgressCounts {
  const jobsDone = jobStatuses.filter(s => doneStatuses.has(s)).length;
  const jobsRunning = jobStatuses.filter(s => s === 'running' || s === 'canceling').length;
  const live = snapshot.instances;
  return {
    jobsPending: jobStatuses.length - jobsDone - jobsRunning,
    jobsRunning,
    jobsDone,
    instancesPending: live.filter(i => i.state === 'creating' || i.state === 'booting').length,
    instancesReady: live.filter(i => i.state === 'ready' && i.claimedSlots === 0).length,
    instancesBusy: live.filter(i => i.claimedSlots > 0).length,
  };
}

/** One line of progress, e.g. `jobs 2 pending 2 running 1 done | instances 1 pending 1 ready 1 busy`. */
export function progressLine(label: string, c: ProgressCounts): string {
  return (
    `${label}: jobs ${c.jobsPending} pending ${c.jobsRunning} running ${c.jobsDone} done` +
    ` | instances ${c.instancesPending} pending ${c.instancesReady} ready ${c.instancesBusy} busy`
  );
}

/** Whether a pipeline status is final. */
export function isFinalPipelineStatus(status: string): boolean {
  return doneStatuses.has(status);
}
