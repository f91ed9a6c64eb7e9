// B38, executor side (issue #5): a job whose slot never comes (no capacity) stays queued and
// running in GitLab for the whole `instance_acquire_timeout`, and only then is failed back with
// runner_system_failure, a clear line in the job log and one error line in the executor log.
import { queueJobId } from '@taskfleet/job-queue';

import { startDurabilityWorld } from './support/durability-world';
import type { DurabilityWorld } from './support/durability-world';
import { until } from './support/taskfleet-processes';

jest.setTimeout(60_000);

const acquireTimeoutMs = 4_000;

describe('B38 no capacity: failed back only after the acquire timeout', () => {
  let world: DurabilityWorld;

  beforeAll(async () => {
    world = await startDurabilityWorld({
      name: 'b38-acquire',
      jobCount: 1,
      instanceCount: 1,
      capacityPerInstance: 1,
    });
  });

  afterAll(async () => {
    await world.close();
  });

  it('stays queued while it waits, then runner_system_failure with a clear reason', async () => {
    const payload = world.jobs[0];
    if (payload === undefined) {
      throw new Error('no job');
    }
    const { id } = payload;
    // No free slot anywhere for the whole test.
    expect(await world.registry.claimSlot('b38-blocker')).toBeDefined();
    const executor = await world.startExecutor({
      instanceAcquireTimeoutMs: acquireTimeoutMs,
      queuedCheckIntervalMs: 500,
    });
    try {
      await world.enqueue(payload);
      const waitStartedMs = Date.now();
      await until(
        'job taken by the executor',
        async () => (await world.queue.queue.getJobState(queueJobId(id))) === 'active',
        10_000,
        50,
      );
      // While it waits: still in the queue (active), still running in GitLab.
      expect(world.gitlab.admin.getJob(id).status).toBe('running');
      await until(
        'job failed back',
        () => world.gitlab.admin.getJob(id).status === 'failed',
        30_000,
      );
      // Never before the configured wait (measured from before the executor took it).
      expect(Date.now() - waitStartedMs).toBeGreaterThanOrEqual(acquireTimeoutMs);
      expect(world.gitlab.admin.getJob(id).failureReason).toBe('runner_system_failure');
      expect(world.gitlab.admin.getTrace(id)).toContain('no instance became available within 4s');
      expect(await world.ranJobIds()).not.toContain(id);
      const lines = executor.stderr
        .split('\n')
        .filter(line => line.includes('no instance slot within the acquire timeout'))
        .map(line => JSON.parse(line) as Record<string, unknown>);
      expect(lines).toEqual([
        expect.objectContaining({ jobId: id, instanceAcquireTimeoutMs: acquireTimeoutMs }),
      ]);
      // Only the blocker holds a slot; the failed job's entry is done.
      expect((await world.registry.snapshot()).claimedSlots).toBe(1);
      await until(
        'entry done',
        async () => (await world.queue.queue.getJobState(queueJobId(id))) === 'completed',
        10_000,
      );
    } finally {
      executor.process.kill('SIGTERM');
      await executor.exited;
      await world.registry.releaseSlot('b38-blocker');
    }
  });
});
