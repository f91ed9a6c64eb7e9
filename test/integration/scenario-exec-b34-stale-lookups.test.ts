// B34 (issue #5): a job in our queue is already assigned to us, so no lookup that returns stale
// or failed data may drop it from BullMQ: not GitLab answering 502 to the status check before
// the claim, and not a job record that looks held by an executor that died (the dedupe). Only
// GitLab ending the job (cancel, 403, 404) removes it, with the reason in the log line.
import { queueJobId } from '@taskfleet/job-queue';

import { startDurabilityWorld } from './support/durability-world';
import type { DurabilityWorld } from './support/durability-world';
import { until } from './support/taskfleet-processes';

jest.setTimeout(90_000);

describe('B34 a queued job is never dropped on a stale lookup', () => {
  let world: DurabilityWorld;

  beforeAll(async () => {
    world = await startDurabilityWorld({
      name: 'b34-stale',
      jobCount: 3,
      instanceCount: 1,
      capacityPerInstance: 2,
      script: ['echo "$CI_JOB_ID" >> "$HOME/ran.log"', 'echo "script of $CI_JOB_NAME done"'],
    });
  });

  afterAll(async () => {
    await world.close();
  });

  function jobAt(index: number): { id: number; payload: DurabilityWorld['jobs'][number] } {
    const payload = world.jobs[index];
    if (payload === undefined) {
      throw new Error(`no job ${index}`);
    }
    return { id: payload.id, payload };
  }

  async function entryState(id: number): Promise<string> {
    return world.queue.queue.getJobState(queueJobId(id));
  }

  it('GitLab answers 502 to the status check before the claim: the job still runs, once', async () => {
    const { id, payload } = jobAt(0);
    // Enough 502s for the check before the claim and its retries.
    world.gitlab.admin.addFault({
      method: 'PUT',
      path: `/api/v4/jobs/${id}`,
      kind: 'status',
      status: 502,
      count: 2,
    });
    const executor = await world.startExecutor({ queuedCheckIntervalMs: 200 });
    try {
      await world.enqueue(payload);
      await until('job final', () => world.gitlab.admin.getJob(id).status === 'success', 30_000);
      expect(world.gitlab.admin.listFaults().faults.every(f => f.hits >= (f.count ?? 0))).toBe(
        true,
      );
      expect(world.gitlab.admin.getTrace(id)).toContain('script of job-0 done');
      expect((await world.ranJobIds()).filter(r => r === id)).toHaveLength(1);
      expect(executor.stderr).not.toContain('queued job removed');
    } finally {
      executor.process.kill('SIGTERM');
      await executor.exited;
    }
  });

  it('a record held by a dead executor: a waiting executor that stops leaves the job queued', async () => {
    const { id, payload } = jobAt(1);
    // The first executor dies holding the job's record under a lease that runs on for 10 s.
    const doomed = await world.startExecutor({
      jobLeaseMs: 10_000,
      killAt: { beforeStarted: id },
    });
    await world.enqueue(payload);
    expect(await doomed.exited).toBeNull();
    const waiter = await world.startExecutor();
    // BullMQ redelivers the stalled entry to the waiter, which waits on the held record.
    await until(
      'redelivered to the waiter',
      async () => {
        const entry = await world.queue.queue.getJob(queueJobId(id));
        return (
          entry !== undefined && entry.stalledCounter >= 1 && (await entryState(id)) === 'active'
        );
      },
      20_000,
      100,
    );
    waiter.process.kill('SIGTERM');
    expect(await waiter.exited).toBe(0);
    // The waiter gave the entry back instead of completing it.
    expect(['delayed', 'waiting']).toContain(await entryState(id));
    expect(world.gitlab.admin.getJob(id).status).toBe('running');
    const rescuer = await world.startExecutor();
    try {
      // Once the dead holder's lease has run out, the job runs: it had not started.
      await until('job final', () => world.gitlab.admin.getJob(id).status === 'success', 40_000);
      expect((await world.ranJobIds()).filter(r => r === id)).toHaveLength(1);
      await until('entry done', async () => (await entryState(id)) === 'completed', 10_000);
    } finally {
      rescuer.process.kill('SIGTERM');
      await rescuer.exited;
    }
  });

  it('GitLab ending the job (its token expired) removes it, with the reason in the log', async () => {
    const { id, payload } = jobAt(2);
    world.gitlab.admin.expireJobToken(id);
    const executor = await world.startExecutor();
    try {
      await world.enqueue(payload);
      await until('entry done', async () => (await entryState(id)) === 'completed', 20_000);
      expect(await world.ranJobIds()).not.toContain(id);
      const removal = executor.stderr
        .split('\n')
        .filter(line => line.includes('queued job removed'))
        .map(line => JSON.parse(line) as Record<string, unknown>);
      expect(removal).toEqual([
        expect.objectContaining({
          jobId: id,
          reason: 'gitlab_job_status',
          jobStatus: 'failed',
          waiting: false,
        }),
      ]);
      expect((await world.registry.snapshot()).pendingJobs).toBe(0);
    } finally {
      executor.process.kill('SIGTERM');
      await executor.exited;
    }
  });
});
