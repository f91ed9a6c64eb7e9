// B22 (issue #5): a job canceled before it reaches an instance is reported canceled, touches no
// instance, burns no `max_use_count` use and never counts against the instance's health, whether
// the cancel came while it sat in the queue or while it waited for a slot. Real GitLab emulator,
// real Redis and registry, one real sshd instance, the executor as its own process.
import type { JobPayload } from '@taskfleet/gitlab';

import { startDurabilityWorld } from './support/durability-world';
import type { DurabilityWorld, ExecutorChild } from './support/durability-world';
import { until } from './support/taskfleet-processes';

jest.setTimeout(60_000);

describe('B22 cancel while queued', () => {
  let world: DurabilityWorld;
  let executor: ExecutorChild | undefined;

  beforeAll(async () => {
    world = await startDurabilityWorld({
      name: 'b22-queued',
      jobCount: 3,
      instanceCount: 1,
      capacityPerInstance: 1,
      script: ['echo "$CI_JOB_ID" >> "$HOME/ran.log"', 'echo "script-of-$CI_JOB_NAME-ran"'],
    });
  });

  afterEach(async () => {
    if (executor !== undefined) {
      executor.process.kill('SIGTERM');
      await executor.exited;
      executor = undefined;
    }
  });

  afterAll(async () => {
    await world.close();
  });

  function job(index: number): JobPayload {
    const found = world.jobs[index];
    if (found === undefined) {
      throw new Error(`no job ${index}`);
    }
    return found;
  }

  async function instance(): Promise<{ useCount: number; failureCount: number; state: string }> {
    const snap = await world.registry.snapshot();
    const found = snap.instances.find(i => i.instanceId === world.instanceIds[0]);
    if (found === undefined) {
      throw new Error('instance not registered');
    }
    return found;
  }

  async function endsCanceled(id: number): Promise<void> {
    await until(
      'job canceled in gitlab',
      () => world.gitlab.admin.getJob(id).status === 'canceled',
      20_000,
    );
    await until(
      'queue entry done',
      async () => (await world.queue.queue.getJobCounts('active', 'waiting')).active === 0,
      10_000,
    );
  }

  it('a cancel before any executor took the job: canceled, no instance touched, no use burned', async () => {
    const { id } = job(0);
    const before = await instance();
    await world.enqueue(job(0));
    world.gitlab.admin.cancelJob(id);
    expect(world.gitlab.admin.getJob(id).status).toBe('canceling');
    executor = await world.startExecutor({ queuedCheckIntervalMs: 200 });
    await endsCanceled(id);
    expect(world.gitlab.admin.getTrace(id)).not.toContain('script-of-job-0-ran');
    expect(await world.ranJobIds()).not.toContain(id);
    const after = await instance();
    expect(after).toMatchObject({ useCount: before.useCount, failureCount: 0, state: 'ready' });
    const snap = await world.registry.snapshot();
    expect(snap).toMatchObject({ claimedSlots: 0, pendingJobs: 0 });
  });

  it('a cancel while the job waits for a slot is seen during the wait', async () => {
    const { id } = job(1);
    // The only slot is taken by someone else for the whole test: the job can only wait.
    const blocker = await world.registry.claimSlot('b22-blocker');
    expect(blocker).toBeDefined();
    const before = await instance();
    // Long enough that only the cancel, never the acquire timeout, can end the wait here.
    executor = await world.startExecutor({
      queuedCheckIntervalMs: 200,
      instanceAcquireTimeoutMs: 600_000,
    });
    await world.enqueue(job(1));
    // The poller's accept, the check before the claim, and one keep-alive of the wait itself.
    await until(
      'job waiting for a slot',
      () => world.gitlab.admin.listRequests({ jobId: id, method: 'PUT' }).length >= 3,
      20_000,
    );
    expect(world.gitlab.admin.getJob(id).status).toBe('running');
    world.gitlab.admin.cancelJob(id);
    await endsCanceled(id);
    expect(world.gitlab.admin.getJob(id).failureReason).not.toBe('runner_system_failure');
    expect(world.gitlab.admin.getTrace(id)).not.toContain('script-of-job-1-ran');
    expect(await world.ranJobIds()).not.toContain(id);
    const after = await instance();
    expect(after).toMatchObject({ useCount: before.useCount, failureCount: 0, state: 'ready' });
    const snap = await world.registry.snapshot();
    // Only the blocker's claim is left; the canceled job left no claim and no pending demand.
    expect(snap).toMatchObject({ claimedSlots: 1, pendingJobs: 0 });
    await world.registry.releaseSlot('b22-blocker');
  });

  it('a forced cancel during the wait: nothing more is sent, the slot wait ends', async () => {
    const { id } = job(2);
    await world.registry.claimSlot('b22-blocker-2');
    const before = await instance();
    executor = await world.startExecutor({
      queuedCheckIntervalMs: 200,
      instanceAcquireTimeoutMs: 600_000,
    });
    await world.enqueue(job(2));
    await until(
      'job waiting for a slot',
      () => world.gitlab.admin.listRequests({ jobId: id, method: 'PUT' }).length >= 3,
      20_000,
    );
    world.gitlab.admin.cancelJob(id, 'forced');
    await endsCanceled(id);
    const puts = world.gitlab.admin.listRequests({ jobId: id, method: 'PUT' }).length;
    expect(await world.ranJobIds()).not.toContain(id);
    expect(await instance()).toMatchObject({ useCount: before.useCount, failureCount: 0 });
    expect((await world.registry.snapshot()).pendingJobs).toBe(0);
    // The job is over for GitLab: the executor sent its last PUT when it learnt so.
    await world.registry.releaseSlot('b22-blocker-2');
    expect(world.gitlab.admin.listRequests({ jobId: id, method: 'PUT' })).toHaveLength(puts);
  });
});
