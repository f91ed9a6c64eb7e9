// Cancels and timeouts end to end on real sshd (issue #5, B22 and B23): a job canceled while
// queued, while it waits for a slot or while it runs, a job timeout, and a graceful cancel that
// runs after_script; each checks GitLab's state and reason, the log, the instance's processes
// (`ps` over SSH) and the instance's health in the registry.
import { startExecControlWorld } from './support/exec-control-world';
import type { ExecControlWorld } from './support/exec-control-world';

jest.setTimeout(120_000);

describe('executor cancel and timeout on real sshd (issue #5)', () => {
  let world: ExecControlWorld | undefined;
  let emulator: ExecControlWorld['emulator'];
  let registry: ExecControlWorld['registry'];
  let job: ExecControlWorld['job'];
  let enqueue: ExecControlWorld['enqueue'];
  let traceShows: ExecControlWorld['traceShows'];
  let leftOnInstance: ExecControlWorld['leftOnInstance'];
  let expectHealthyAndFree: ExecControlWorld['expectHealthyAndFree'];
  let useCount: ExecControlWorld['useCount'];

  beforeAll(async () => {
    world = await startExecControlWorld();
    ({
      emulator,
      registry,
      job,
      enqueue,
      traceShows,
      leftOnInstance,
      expectHealthyAndFree,
      useCount,
    } = world);
  });

  afterAll(async () => {
    await world?.close();
  });

  describe('B22 cancel and timeout reasons', () => {
    it('cancel while queued: canceled in GitLab, no instance touched', async () => {
      const before = await useCount();
      emulator.admin.cancelJob(job('queued-cancel').id);
      expect(emulator.admin.getJob(job('queued-cancel').id).status).toBe('canceling');
      expect(await enqueue('queued-cancel')).toBe('canceled');
      const view = emulator.admin.getJob(job('queued-cancel').id);
      expect(view.status).toBe('canceled');
      expect(emulator.admin.getTrace(job('queued-cancel').id)).not.toContain('must-not-run');
      expect(await useCount()).toBe(before);
      await expectHealthyAndFree();
    });

    it('cancel while queued gives back a slot granted to an earlier, dead delivery', async () => {
      const id = job('granted-cancel').id;
      // The only slot is busy; an earlier delivery of the job waits for it, and its executor
      // dies; the slot frees and is granted to that delivery's job, which nobody runs now.
      expect(await registry.claimSlot('it-blocker')).toBeDefined();
      expect(await registry.claimSlot(String(id), 15_000)).toBeUndefined();
      await registry.releaseSlot('it-blocker');
      expect((await registry.snapshot()).claimedSlots).toBe(1);
      const before = await useCount();
      emulator.admin.cancelJob(id);
      expect(await enqueue('granted-cancel')).toBe('canceled');
      expect(emulator.admin.getJob(id).status).toBe('canceled');
      expect(emulator.admin.getTrace(id)).not.toContain('granted-must-not-run');
      // Given back as it was taken: free again, and no use of the instance counted twice.
      expect(await useCount()).toBe(before);
      await expectHealthyAndFree();
    });

    it('cancel during the SSH run: the remote process is killed, the job is canceled', async () => {
      const result = enqueue('run-cancel');
      await traceShows('run-cancel', 'run-cancel-started');
      expect(await leftOnInstance(/sleep 4711/)).toHaveLength(1);
      emulator.admin.cancelJob(job('run-cancel').id, 'forced');
      expect(await result).toBe('canceled');
      expect(emulator.admin.getJob(job('run-cancel').id).status).toBe('canceled');
      expect(await leftOnInstance(/sleep 4711/)).toEqual([]);
      await expectHealthyAndFree();
    });

    it('job timeout: job_execution_timeout with the runner log line, process ended', async () => {
      expect(job('job-timeout').runner_info.timeout).toBe(4);
      expect(await enqueue('job-timeout')).toBe('failed');
      const view = emulator.admin.getJob(job('job-timeout').id);
      expect(view).toMatchObject({ status: 'failed', failureReason: 'job_execution_timeout' });
      expect(view.exitCode ?? undefined).toBeUndefined();
      const trace = emulator.admin.getTrace(job('job-timeout').id);
      expect(trace).toContain('job-timeout-started');
      expect(trace).toContain('step_script could not run to completion because the timeout');
      expect(trace).toContain('ERROR: Job failed: execution took longer than 4s seconds');
      // The job's own deadline has passed: no time is left for after_script.
      expect(trace).not.toContain('after-job-timeout');
      expect(await leftOnInstance(/sleep 4712/)).toEqual([]);
      await expectHealthyAndFree();
    });
  });

  describe('B23 cancel runs after_script', () => {
    it('canceling stops the script, runs after_script, ends canceled, leaves no process', async () => {
      const result = enqueue('graceful');
      await traceShows('graceful', 'graceful-started');
      expect(await leftOnInstance(/sleep 471[345]/)).toHaveLength(3);
      emulator.admin.cancelJob(job('graceful').id);
      expect(await result).toBe('canceled');
      const view = emulator.admin.getJob(job('graceful').id);
      expect(view.status).toBe('canceled');
      // GitLab Runner's report for a graceful cancel: failed with job_canceled, which this
      // server does not list, so it falls back to unknown_failure (§7.1).
      expect(view.finalUpdate).toMatchObject({ state: 'failed', failureReason: 'unknown_failure' });
      const trace = emulator.admin.getTrace(job('graceful').id);
      expect(trace).toContain('after status canceled\n');
      expect(trace).toContain('after-done\n');
      expect(trace.indexOf('graceful-started')).toBeLessThan(trace.indexOf('after status'));
      expect(trace).toContain('ERROR: Job failed: canceled');
      expect(await leftOnInstance(/sleep 471[345]/)).toEqual([]);
      await expectHealthyAndFree();
    });
  });
});
