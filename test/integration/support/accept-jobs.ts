// The poller's part in executor tests: take jobs from the GitLab emulator and accept them.
import type { GitlabClient, JobPayload } from '@taskfleet/gitlab';

/** Requests `count` jobs and accepts each at once (PUT state=running); returns them by name. */
export async function acceptJobs(
  client: GitlabClient,
  runnerToken: string,
  count: number,
): Promise<Map<string, JobPayload>> {
  const jobs = new Map<string, JobPayload>();
  for (let i = 0; i < count; i++) {
    const requested = await client.requestJob({ token: runnerToken });
    if (requested.kind !== 'job') {
      throw new Error(`expected a job, got ${requested.kind}`);
    }
    await client.acceptJob(requested.job.id, requested.job.token);
    jobs.set(requested.job.job_info.name, requested.job);
  }
  return jobs;
}
