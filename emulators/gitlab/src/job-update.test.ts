import { crc32 } from 'node:zlib';

import {
  call,
  patchTrace,
  requestJob,
  startHarness,
  takeAndAck,
  updateJob,
  type Harness,
} from './testing/harness.test-support';

const checksumOf = (text: string): string =>
  `crc32:${crc32(Buffer.from(text)).toString(16).padStart(8, '0')}`;

describe('PUT /jobs/:id', () => {
  let h: Harness;
  let runnerToken: string;
  beforeEach(async () => {
    h = await startHarness();
    runnerToken = h.emulator.admin.createRunner({}).token;
  });
  afterEach(async () => h.close());

  it('counts keep-alive PUTs and answers 200 with Job-Status: running', async () => {
    await h.pipeline();
    const { jobId, jobToken } = await takeAndAck(h, runnerToken);
    const touch = await updateJob(h.emulator, jobId, jobToken, {
      state: 'running',
      output: { checksum: 'crc32:00000000', bytesize: 0 },
    });
    expect(touch.status).toBe(200);
    expect(touch.headers.get('job-status')).toBe('running');
    expect(h.emulator.admin.getJob(jobId).keepAliveCount).toBe(1);
  });

  it('stores the final state with failure reason, exit code, checksum and bytesize', async () => {
    await h.pipeline();
    const { jobId, jobToken } = await takeAndAck(h, runnerToken);
    const log = 'hello\nboom\n';
    expect((await patchTrace(h.emulator, jobId, jobToken, 0, log)).status).toBe(202);
    const final = await updateJob(h.emulator, jobId, jobToken, {
      state: 'failed',
      failure_reason: 'script_failure',
      exit_code: 3,
      checksum: checksumOf(log),
      output: { checksum: checksumOf(log), bytesize: log.length },
    });
    expect(final.status).toBe(200);
    expect(final.headers.get('job-status')).toBe('failed');
    const job = h.emulator.admin.getJob(jobId);
    expect(job).toMatchObject({
      status: 'failed',
      failureReason: 'script_failure',
      exitCode: 3,
      traceBytes: log.length,
    });
    expect(job.finalUpdate).toMatchObject({
      checksum: checksumOf(log),
      bytesize: log.length,
      exitCode: 3,
    });
    expect(job.traceChecksum).toBe(checksumOf(log));
    expect(h.emulator.admin.getTrace(jobId)).toBe(log);
  });

  it('stores reasons GitLab does not know as unknown_failure', async () => {
    await h.pipeline();
    const { jobId, jobToken } = await takeAndAck(h, runnerToken);
    await updateJob(h.emulator, jobId, jobToken, {
      state: 'failed',
      failure_reason: 'job_canceled',
    });
    expect(h.emulator.admin.getJob(jobId).failureReason).toBe('unknown_failure');
  });

  it('answers 403 for a wrong token and 403 + Job-Status for a finished job', async () => {
    await h.pipeline();
    const { jobId, jobToken } = await takeAndAck(h, runnerToken);
    const wrong = await updateJob(h.emulator, jobId, 'glcbt-wrong', { state: 'running' });
    expect(wrong.status).toBe(403);
    expect(wrong.headers.get('job-status')).toBeNull();
    expect((await updateJob(h.emulator, jobId, jobToken, { state: 'success' })).status).toBe(200);
    const after = await updateJob(h.emulator, jobId, jobToken, { state: 'success' });
    expect(after.status).toBe(403);
    expect(after.headers.get('job-status')).toBe('success');
    expect(after.json().message).toBe('403 Forbidden - Job is not processing on runner');
    expect((await updateJob(h.emulator, jobId, jobToken, { state: 'bogus' })).status).toBe(403);
  });

  it('reads JSON parameters only from a JSON content type, as Grape does', async () => {
    await h.pipeline();
    const { jobId, jobToken } = await takeAndAck(h, runnerToken);
    const res = await call(`${h.emulator.url}/api/v4/jobs/${jobId}`, {
      method: 'PUT',
      body: JSON.stringify({ token: jobToken, state: 'running' }),
      headers: { 'JOB-TOKEN': jobToken, 'Content-Type': 'text/plain' },
    });
    expect(res.status).toBe(400);
  });

  it('answers 400 for an unknown state of a running job', async () => {
    await h.pipeline();
    const { jobId, jobToken } = await takeAndAck(h, runnerToken);
    expect((await updateJob(h.emulator, jobId, jobToken, { state: 'bogus' })).status).toBe(400);
  });

  it('graceful cancel: Job-Status canceling on PATCH and PUT until the final PUT makes it canceled', async () => {
    await h.pipeline();
    const { jobId, jobToken } = await takeAndAck(h, runnerToken);
    expect(h.emulator.admin.cancelJob(jobId, 'graceful').status).toBe('canceling');
    expect(h.emulator.admin.getPipeline(h.emulator.admin.getJob(jobId).pipelineId).status).toBe(
      'canceling',
    );
    const patch = await patchTrace(h.emulator, jobId, jobToken, 0, 'x');
    expect(patch.headers.get('job-status')).toBe('canceling');
    const touch = await updateJob(h.emulator, jobId, jobToken, { state: 'running' });
    expect(touch.headers.get('job-status')).toBe('canceling');
    const final = await updateJob(h.emulator, jobId, jobToken, {
      state: 'failed',
      failure_reason: 'unknown_failure',
    });
    expect(final.status).toBe(200);
    expect(final.headers.get('job-status')).toBe('canceled');
    expect(h.emulator.admin.getJob(jobId).status).toBe('canceled');
  });

  it('forced cancel: canceled at once, the runner then gets 403 + Job-Status: canceled', async () => {
    await h.pipeline();
    const { jobId, jobToken } = await takeAndAck(h, runnerToken);
    expect(h.emulator.admin.cancelJob(jobId, 'forced').status).toBe('canceled');
    const patch = await patchTrace(h.emulator, jobId, jobToken, 0, 'x');
    expect(patch.status).toBe(403);
    expect(patch.headers.get('job-status')).toBe('canceled');
    const put = await updateJob(h.emulator, jobId, jobToken, { state: 'running' });
    expect(put.headers.get('job-status')).toBe('canceled');
  });

  it('graceful cancel falls back to canceled when the runner does not cancel gracefully', async () => {
    await h.pipeline();
    const payload = (
      await requestJob(h.emulator, runnerToken, undefined, {
        features: { two_phase_job_commit: true },
      })
    ).json();
    await updateJob(h.emulator, payload.id, payload.token, {
      state: 'running',
      info: { features: {} },
    });
    expect(h.emulator.admin.cancelJob(payload.id, 'graceful').status).toBe('canceled');
  });

  it('answers final PUTs with 202 and an update interval while delayed, then applies the state', async () => {
    await h.pipeline();
    const { jobId, jobToken } = await takeAndAck(h, runnerToken);
    h.emulator.admin.delayFinalUpdate(jobId, 2);
    const body = { state: 'success', output: { checksum: checksumOf(''), bytesize: 0 } };
    const first = await updateJob(h.emulator, jobId, jobToken, body);
    expect(first.status).toBe(202);
    expect(first.headers.get('x-gitlab-trace-update-interval')).toBe('1');
    expect(first.headers.get('job-status')).toBe('running');
    h.clock.advance(4_000);
    const second = await updateJob(h.emulator, jobId, jobToken, body);
    expect(second.status).toBe(202);
    expect(second.headers.get('x-gitlab-trace-update-interval')).toBe('4');
    expect((await updateJob(h.emulator, jobId, jobToken, body)).status).toBe(200);
    expect(h.emulator.admin.getJob(jobId)).toMatchObject({
      status: 'success',
      finalAcceptedCount: 2,
    });
  });

  it('answers rejected final PUTs with 412 after losing the trace, then applies the state', async () => {
    await h.pipeline();
    const { jobId, jobToken } = await takeAndAck(h, runnerToken);
    await patchTrace(h.emulator, jobId, jobToken, 0, 'whole log');
    h.emulator.admin.rejectFinalTrace(jobId, 1, 3);
    const body = { state: 'success', output: { checksum: checksumOf('whole log'), bytesize: 9 } };
    const rejected = await updateJob(h.emulator, jobId, jobToken, body);
    expect(rejected.status).toBe(412);
    expect(rejected.headers.get('job-status')).toBe('running');
    expect(h.emulator.admin.getTrace(jobId)).toBe('who');
    expect((await patchTrace(h.emulator, jobId, jobToken, 0, 'whole log')).status).toBe(416);
    expect((await patchTrace(h.emulator, jobId, jobToken, 3, 'le log')).status).toBe(202);
    expect((await updateJob(h.emulator, jobId, jobToken, body)).status).toBe(200);
    expect(h.emulator.admin.getJob(jobId)).toMatchObject({
      status: 'success',
      finalTraceRejectedCount: 1,
      traceChecksum: checksumOf('whole log'),
    });
  });

  it('drops a job whose token expired: 403 with Job-Status failed, reason job_token_expired', async () => {
    await h.pipeline();
    const { jobId, jobToken } = await takeAndAck(h, runnerToken);
    h.emulator.admin.expireJobToken(jobId);
    const put = await call(`${h.emulator.url}/api/v4/jobs/${jobId}`, {
      method: 'PUT',
      json: { token: jobToken, state: 'running' },
    });
    expect(put.status).toBe(403);
    expect(put.headers.get('job-status')).toBe('failed');
    expect(h.emulator.admin.getJob(jobId).failureReason).toBe('job_token_expired');
  });

  it('accepts a failed PUT without a prior ack (runner rejected the payload)', async () => {
    const [jobId] = await h.pipeline();
    const payload = (await requestJob(h.emulator, runnerToken)).json();
    const put = await updateJob(h.emulator, jobId!, payload.token, {
      state: 'failed',
      failure_reason: 'runner_system_failure',
    });
    expect(put.status).toBe(200);
    expect(h.emulator.admin.getJob(jobId!)).toMatchObject({
      status: 'failed',
      failureReason: 'runner_system_failure',
    });
  });
});
