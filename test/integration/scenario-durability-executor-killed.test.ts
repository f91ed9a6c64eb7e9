// Issue #5: an executor SIGKILLed at each stage of a job leaves a job another executor finishes
// correctly — not started: run it (once); started: runner_system_failure with a clear line, the
// script not run again; finished but undelivered: the stored final state and log delivered.
import type { JobPayload } from '@taskfleet/gitlab';

import { startDurabilityWorld } from './support/durability-world';
import type { DurabilityWorld, ExecutorChild } from './support/durability-world';
import { until } from './support/taskfleet-processes';

jest.setTimeout(120_000);

describe('executor killed at each stage of a job', () => {
  let world: DurabilityWorld;

  beforeAll(async () => {
    world = await startDurabilityWorld({
      name: 'dur-kill',
      jobCount: 3,
      instanceCount: 1,
      capacityPerInstance: 2,
      script: ['echo "$CI_JOB_ID" >> "$HOME/ran.log"', 'echo "script of $CI_JOB_NAME done"'],
    });
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

  async function finalStatusOf(id: number): Promise<string> {
    await until(
      `job ${id} final`,
      () => ['success', 'failed', 'canceled'].includes(world.gitlab.admin.getJob(id).status),
      60_000,
    );
    return world.gitlab.admin.getJob(id).status;
  }

  /** Runs `id` on an executor that SIGKILLs itself at `stage`, then lets a second one finish it. */
  async function killThenRescue(
    id: number,
    stage: 'beforeStarted' | 'afterStarted' | 'afterFinished',
  ): Promise<void> {
    const doomed = await world.startExecutor({ killAt: { [stage]: id } });
    await world.enqueue(job(world.jobs.findIndex(j => j.id === id)));
    expect(await doomed.exited).toBeNull();
    expect(doomed.process.signalCode).toBe('SIGKILL');
    expect(doomed.stderr).toContain(`SIGKILL at job ${id}`);
    const rescuer: ExecutorChild = await world.startExecutor();
    try {
      await finalStatusOf(id);
      // Nothing of the job stays behind: no claim, no live queue entry.
      await until(
        'slot released',
        async () => (await world.registry.snapshot()).claimedSlots === 0,
        20_000,
      );
      await until(
        'queue entry done',
        async () =>
          (await world.queue.queue.getJobCounts('active', 'waiting', 'delayed')).active === 0,
        20_000,
      );
    } finally {
      rescuer.process.kill('SIGTERM');
      await rescuer.exited;
    }
  }

  it('killed before the script started: another executor runs it, exactly once', async () => {
    const { id } = job(0);
    await killThenRescue(id, 'beforeStarted');
    expect(world.gitlab.admin.getJob(id).status).toBe('success');
    expect(world.gitlab.admin.getTrace(id)).toContain('script of job-0 done');
    expect((await world.ranJobIds()).filter(r => r === id)).toHaveLength(1);
  });

  it('killed after the started marker: runner_system_failure, never run again', async () => {
    const { id } = job(1);
    await killThenRescue(id, 'afterStarted');
    expect(world.gitlab.admin.getJob(id)).toMatchObject({
      status: 'failed',
      failureReason: 'runner_system_failure',
    });
    expect(world.gitlab.admin.getTrace(id)).toContain(
      'the job was started before and its executor stopped; not re-running',
    );
    // The doomed executor died before the script ran; the rescuer never ran it.
    expect((await world.ranJobIds()).filter(r => r === id)).toHaveLength(0);
  });

  it('killed after the final state was stored: the outbox is delivered with the log', async () => {
    const { id } = job(2);
    await killThenRescue(id, 'afterFinished');
    expect(world.gitlab.admin.getJob(id).status).toBe('success');
    const trace = world.gitlab.admin.getTrace(id);
    expect(trace).toContain('script of job-2 done');
    expect(trace).toContain('Job succeeded');
    expect((await world.ranJobIds()).filter(r => r === id)).toHaveLength(1);
  });
});
