// Limits end to end on real sshd (issue #5, B17 and B18): a 403 on the trace settles the job, a
// big log stops at output_limit with flat memory, RUNNER_SCRIPT_TIMEOUT, and what a script leaves
// running ends with the job; each checks GitLab, the log, `ps` over SSH and the registry.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import type { ProcessResult } from '@taskfleet/executor';

import { outputLimitBytes, startExecControlWorld } from './support/exec-control-world';
import type { ExecControlWorld } from './support/exec-control-world';

jest.setTimeout(120_000);

describe('executor limits on real sshd (issue #5)', () => {
  let world: ExecControlWorld | undefined;
  let emulator: ExecControlWorld['emulator'];
  let workerLogLines: ExecControlWorld['workerLogLines'];
  let job: ExecControlWorld['job'];
  let enqueue: ExecControlWorld['enqueue'];
  let traceShows: ExecControlWorld['traceShows'];
  let leftOnInstance: ExecControlWorld['leftOnInstance'];
  let expectHealthyAndFree: ExecControlWorld['expectHealthyAndFree'];

  beforeAll(async () => {
    world = await startExecControlWorld();
    ({ emulator, workerLogLines, job, enqueue, traceShows, leftOnInstance, expectHealthyAndFree } =
      world);
  });

  afterAll(async () => {
    await world?.close();
  });

  describe('B17 403 settles the job', () => {
    it('a 403 on the trace PATCH stops the remote process, frees the slot, retries nothing', async () => {
      const id = job('forbidden').id;
      const result = enqueue('forbidden');
      await traceShows('forbidden', 'tick\n');
      const fault = emulator.admin.addFault({
        path: `/api/v4/jobs/${id}/trace`,
        method: 'PATCH',
        kind: 'status',
        status: 403,
        durationMs: 600_000,
      });
      try {
        expect(await result).toBe('canceled');
        // By path: a request answered by a fault never reaches the handler that names its job.
        const requests = emulator.admin
          .listRequests({ pathPrefix: `/api/v4/jobs/${id}` })
          .filter(r => new RegExp(`^/api/v4/jobs/${id}(/|$)`).test(r.path));
        const firstForbidden = requests.find(r => r.status === 403);
        expect(firstForbidden).toBeDefined();
        // Nothing at all after the 403: no retried PATCH, no keep-alive, no final update.
        expect(requests.filter(r => r.seq > (firstForbidden?.seq ?? 0))).toEqual([]);
        expect(await leftOnInstance(/sleep 0\.0471/)).toEqual([]);
        await expectHealthyAndFree();
        const events = workerLogLines
          .map(line => JSON.parse(line) as { msg: string; jobId?: number; status?: number })
          .filter(line => line.jobId === id && line.msg === 'job abandoned: gitlab ended it');
        expect(events).toEqual([expect.objectContaining({ status: 403 })]);
      } finally {
        emulator.admin.removeFault(fault.id);
      }
    });
  });

  describe('B18 output limit', () => {
    it('a 10 MiB log stops at 4 MiB with one marker, consistent ranges, success and flat memory', async () => {
      const id = job('chatty').id;
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      const used = (): number => {
        gc();
        const usage = process.memoryUsage();
        return usage.heapUsed + usage.arrayBuffers;
      };
      // Measured from the moment GitLab holds the whole allowance: what comes after (6 MiB)
      // must not be kept anywhere, so memory may not grow with it.
      let baseline: number | undefined;
      let peak = 0;
      let samples = 0;
      const sampler = setInterval(() => {
        if (baseline === undefined) {
          if (emulator.admin.getJob(id).traceBytes >= outputLimitBytes) {
            baseline = used();
            peak = baseline;
          }
          return;
        }
        samples += 1;
        peak = Math.max(peak, used());
      }, 300);
      let result: ProcessResult;
      try {
        result = await enqueue('chatty');
      } finally {
        clearInterval(sampler);
      }
      expect(result).toBe('success');
      expect(emulator.admin.getJob(id).status).toBe('success');
      const trace = emulator.admin.getTrace(id);
      const marker = `Job's log exceeded limit of ${outputLimitBytes} bytes.`;
      expect(trace.split(marker)).toHaveLength(2);
      expect(trace).not.toContain('chatty-done');
      expect(Buffer.byteLength(trace)).toBeLessThan(outputLimitBytes + 1024);
      expect(Buffer.byteLength(trace)).toBeGreaterThan(outputLimitBytes - 1024);
      // Every PATCH starts where the one before ended; GitLab never had to answer 416.
      const patches = emulator.admin
        .listRequests({ jobId: id, method: 'PATCH' })
        .sort((a, b) => a.seq - b.seq);
      expect(patches.length).toBeGreaterThan(1);
      let next = 0;
      for (const patch of patches) {
        expect(patch.status).toBe(202);
        const [start, end] = (patch.contentRange ?? '').split('-').map(Number);
        expect(start).toBe(next);
        next = (end ?? -1) + 1;
      }
      expect(next).toBe(Buffer.byteLength(trace));
      // Memory stays flat while the 6 MiB past the limit stream through and are dropped.
      expect(baseline).toBeDefined();
      expect(samples).toBeGreaterThanOrEqual(2);
      expect(peak - (baseline ?? 0)).toBeLessThan(3 * 1024 * 1024);
      await expectHealthyAndFree();
    });
  });

  describe('pipelines with limits and signals', () => {
    it('RUNNER_SCRIPT_TIMEOUT: job_execution_timeout, after_script runs with CI_JOB_STATUS=failed', async () => {
      expect(await enqueue('script-timeout')).toBe('failed');
      const view = emulator.admin.getJob(job('script-timeout').id);
      expect(view).toMatchObject({ status: 'failed', failureReason: 'job_execution_timeout' });
      expect(view.exitCode ?? undefined).toBeUndefined();
      const trace = emulator.admin.getTrace(job('script-timeout').id);
      expect(trace).toContain('script-timeout-started');
      expect(trace).toContain('after status failed\n');
      expect(trace).toContain('ERROR: Job failed: execution took longer than 2s seconds');
      expect(await leftOnInstance(/sleep 4716/)).toEqual([]);
      await expectHealthyAndFree();
    });

    it('process clean-up: what the script left running ends with the job; exit code reported', async () => {
      expect(await enqueue('leftovers')).toBe('failed');
      const view = emulator.admin.getJob(job('leftovers').id);
      // allow_failure: exit_codes [7] works because exit_code is sent.
      expect(view).toMatchObject({
        status: 'failed',
        failureReason: 'script_failure',
        exitCode: 7,
      });
      const pipeline = emulator.admin.getPipeline(view.pipelineId);
      expect(pipeline.jobs.find(j => j.name === 'leftovers')).toMatchObject({ status: 'failed' });
      const trace = emulator.admin.getTrace(job('leftovers').id);
      expect(trace).toContain('stdin-at-eof\n');
      expect(trace).toContain('ERROR: Job failed: exit code 7');
      expect(await leftOnInstance(/sleep 471[78]/)).toEqual([]);
      await expectHealthyAndFree();
    });

    it('a background process holding the output does not keep the job running', async () => {
      const startedAtMs = Date.now();
      expect(await enqueue('holder')).toBe('success');
      expect(Date.now() - startedAtMs).toBeLessThan(60_000);
      const view = emulator.admin.getJob(job('holder').id);
      expect(view.status).toBe('success');
      expect(view.exitCode ?? undefined).toBeUndefined();
      expect(emulator.admin.getTrace(job('holder').id)).toContain('holder-done\n');
      expect(await leftOnInstance(/sleep 4719/)).toEqual([]);
      await expectHealthyAndFree();
    });
  });
});
