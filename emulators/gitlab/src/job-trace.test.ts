import {
  call,
  patchTrace,
  startHarness,
  takeAndAck,
  type Harness,
} from './testing/harness.test-support';

describe('PATCH /jobs/:id/trace', () => {
  let h: Harness;
  let job: { jobId: number; jobToken: string };
  beforeEach(async () => {
    h = await startHarness({ traceUpdateIntervalSec: 3 });
    const runnerToken = h.emulator.admin.createRunner({}).token;
    await h.pipeline();
    job = await takeAndAck(h, runnerToken);
  });
  afterEach(async () => h.close());

  it('appends at the stored length and answers 202 with Range, Job-Status and the interval', async () => {
    const first = await patchTrace(h.emulator, job.jobId, job.jobToken, 0, 'line 1\n');
    expect(first.status).toBe(202);
    expect(first.headers.get('range')).toBe('0-7');
    expect(first.headers.get('job-status')).toBe('running');
    expect(first.headers.get('x-gitlab-trace-update-interval')).toBe('3');
    h.clock.advance(5_000);
    const second = await patchTrace(h.emulator, job.jobId, job.jobToken, 7, 'line 2\n');
    const runner = h.emulator.admin.getRunner(h.emulator.admin.getJob(job.jobId).runnerId!);
    expect(runner.contactedAtMs).toBe(h.clock.now());
    expect(runner.managers[0]?.contactedAtMs).toBe(h.clock.now());
    expect(second.headers.get('range')).toBe('0-14');
    expect(h.emulator.admin.getTrace(job.jobId)).toBe('line 1\nline 2\n');
  });

  it('answers 416 with Range: 0-<stored> on a gap, and a resent patch from there succeeds', async () => {
    await patchTrace(h.emulator, job.jobId, job.jobToken, 0, 'abc');
    const gap = await patchTrace(h.emulator, job.jobId, job.jobToken, 10, 'zzz');
    expect(gap.status).toBe(416);
    expect(gap.headers.get('range')).toBe('0-3');
    const overlap = await patchTrace(h.emulator, job.jobId, job.jobToken, 1, 'bcdef');
    expect(overlap.status).toBe(416);
    const resync = await patchTrace(h.emulator, job.jobId, job.jobToken, 3, 'def');
    expect(resync.status).toBe(202);
    expect(h.emulator.admin.getTrace(job.jobId)).toBe('abcdef');
    const ranges = h.emulator.admin
      .listRequests({ jobId: job.jobId, method: 'PATCH' })
      .map(r => [r.contentRange, r.status]);
    expect(ranges).toEqual([
      ['0-2', 202],
      ['10-12', 416],
      ['1-5', 416],
      ['3-5', 202],
    ]);
  });

  it('truncate-trace loses the stored tail: the next PATCH gets 416 with the kept length', async () => {
    await patchTrace(h.emulator, job.jobId, job.jobToken, 0, 'abcdef');
    expect(h.emulator.admin.truncateTrace(job.jobId, 2).traceBytes).toBe(2);
    const next = await patchTrace(h.emulator, job.jobId, job.jobToken, 6, 'gh');
    expect(next.status).toBe(416);
    expect(next.headers.get('range')).toBe('0-2');
    expect((await patchTrace(h.emulator, job.jobId, job.jobToken, 2, 'cdefgh')).status).toBe(202);
    expect(h.emulator.admin.getTrace(job.jobId)).toBe('abcdefgh');
    expect(() => h.emulator.admin.truncateTrace(job.jobId, 9)).toThrow(/holds 8 bytes/);
  });

  it('requires Content-Range (400) and a valid token (403)', async () => {
    const missing = await call(`${h.emulator.url}/api/v4/jobs/${job.jobId}/trace`, {
      method: 'PATCH',
      body: 'x',
      headers: { 'JOB-TOKEN': job.jobToken },
    });
    expect(missing.status).toBe(400);
    expect((await patchTrace(h.emulator, job.jobId, 'glcbt-wrong', 0, 'x')).status).toBe(403);
  });

  it('masks the job token in stored trace without changing its length', async () => {
    const text = `token=${job.jobToken}\n`;
    expect((await patchTrace(h.emulator, job.jobId, job.jobToken, 0, text)).status).toBe(202);
    const stored = h.emulator.admin.getTrace(job.jobId);
    expect(stored).toHaveLength(text.length);
    expect(stored).not.toContain(job.jobToken);
  });

  it('answers 413 to a request body over the server limit (8 MiB)', async () => {
    const huge = 'x'.repeat(8 * 1024 * 1024 + 1);
    const res = await patchTrace(h.emulator, job.jobId, job.jobToken, 0, huge);
    expect(res.status).toBe(413);
    expect(h.emulator.admin.getJob(job.jobId).traceBytes).toBe(0);
  });

  it('drops the job with trace_size_exceeded past the size limit', async () => {
    await h.close();
    h = await startHarness({ traceSizeLimitBytes: 8 });
    await h.pipeline();
    job = await takeAndAck(h, h.emulator.admin.createRunner({}).token);
    const big = await patchTrace(h.emulator, job.jobId, job.jobToken, 0, '0123456789');
    expect(big.status).toBe(403);
    expect(big.headers.get('job-status')).toBe('failed');
    expect(h.emulator.admin.getJob(job.jobId).failureReason).toBe('trace_size_exceeded');
  });
});
