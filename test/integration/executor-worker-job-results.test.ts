// The executor's queue worker end to end, the results of jobs it runs: success with the log in
// GitLab, payloads that cannot be run or decrypted, a failing script, a redelivery of a finished
// job, and CI_DEBUG_TRACE. Real BullMQ, Redis, registry, sshd and the GitLab and AWS emulators.
import { encryptPayload } from '@taskfleet/job-queue';

import { expectNoSecretsLogged, startExecutorWorkerWorld } from './support/executor-worker-world';
import type { ExecutorWorkerWorld } from './support/executor-worker-world';

jest.setTimeout(120_000);

describe('executor worker: queued jobs run on a claimed slot over SSH', () => {
  let world: ExecutorWorkerWorld | undefined;
  let emulator: ExecutorWorkerWorld['emulator'];
  let registry: ExecutorWorkerWorld['registry'];
  let instanceId: ExecutorWorkerWorld['instanceId'];
  let queue: ExecutorWorkerWorld['queue'];
  let events: ExecutorWorkerWorld['events'];
  let payloadKey: ExecutorWorkerWorld['payloadKey'];
  let jobs: ExecutorWorkerWorld['jobs'];
  let workerLogLines: ExecutorWorkerWorld['workerLogLines'];
  let job: ExecutorWorkerWorld['job'];
  let enqueue: ExecutorWorkerWorld['enqueue'];

  beforeAll(async () => {
    world = await startExecutorWorkerWorld();
    ({
      emulator,
      registry,
      instanceId,
      queue,
      events,
      payloadKey,
      jobs,
      workerLogLines,
      job,
      enqueue,
    } = world);
  });

  afterAll(async () => {
    await world?.close();
  });

  it('runs a queued job to success with its log in GitLab, and frees the slot', async () => {
    expect(await enqueue('passes')).toBe('success');
    const view = emulator.admin.getJob(job('passes').id);
    expect(view.status).toBe('success');
    const trace = emulator.admin.getTrace(job('passes').id);
    expect(trace).toContain('worker ran passes');
    expect(trace).toContain(`Using instance ${instanceId} on slot 0`);
    const snap = await registry.snapshot();
    expect(snap.claimedSlots).toBe(0);
    expect(snap.instances.find(i => i.instanceId === instanceId)?.useCount).toBe(1);
  });

  it('fails a job whose payload cannot be run as runner_system_failure; the next job runs', async () => {
    const { id, token } = job('broken');
    // The payload is read as GitLab Runner reads JSON (missing fields default); wrong types are not.
    const body = { id, token, steps: 'not-a-list', job_info: 3 };
    expect(await enqueue('broken', 'full', body)).toBe('system_failure');
    const view = emulator.admin.getJob(id);
    expect(view).toMatchObject({ status: 'failed', failureReason: 'runner_system_failure' });
    const trace = emulator.admin.getTrace(id);
    expect(trace).toContain('the job payload cannot be run');
    expect(trace).toContain('job_info');
    expect(trace).toContain('steps');
    expect(trace).not.toContain('broken-never-runs');
    expect(trace).not.toContain(token);
    expect((await registry.snapshot()).claimedSlots).toBe(0);
  });

  it('fails a job whose payload cannot be decrypted through its id-and-token envelope', async () => {
    const { id, token } = job('damaged');
    const sealed = encryptPayload(JSON.stringify(job('damaged')), payloadKey);
    // One flipped ciphertext byte: GCM refuses the whole payload.
    const ct = Buffer.from(sealed.ct, 'base64');
    ct[0] = (ct[0] ?? 0) ^ 0xff;
    const { queueJobId } = await queue.enqueue({
      gitlabJobId: id,
      runnerKey: 'full',
      acceptedAtMs: Date.now(),
      payload: { ...sealed, ct: ct.toString('base64') },
      report: encryptPayload(JSON.stringify({ id, token }), payloadKey),
    });
    const added = await queue.queue.getJob(queueJobId);
    expect(await added?.waitUntilFinished(events, 60_000)).toBe('system_failure');
    expect(emulator.admin.getJob(id)).toMatchObject({
      status: 'failed',
      failureReason: 'runner_system_failure',
    });
    expect(emulator.admin.getTrace(id)).toContain('the job payload could not be decrypted');
    expect(emulator.admin.getTrace(id)).not.toContain('damaged-never-runs');
  });

  it('reports a failing script as failed/script_failure with its exit code', async () => {
    expect(await enqueue('fails')).toBe('failed');
    const view = emulator.admin.getJob(job('fails').id);
    expect(view).toMatchObject({ status: 'failed', failureReason: 'script_failure', exitCode: 3 });
    expect(emulator.admin.getTrace(job('fails').id)).toContain('before-failure');
    expect((await registry.snapshot()).claimedSlots).toBe(0);
  });

  it('acknowledges a redelivery of a finished job without running or reporting it again', async () => {
    const id = job('passes').id;
    const before = emulator.admin.getJob(id);
    const traceBefore = emulator.admin.getTrace(id);
    // A second enqueue while the finished entry is kept is a no-op of the queue itself ...
    expect(await enqueue('passes')).toBe('success');
    // ... and once the entry is gone, a redelivery reaches the worker, which only acknowledges it.
    await queue.queue.remove(`gl-${id}`);
    expect(await enqueue('passes')).toBe('already_finished');
    const after = emulator.admin.getJob(id);
    expect(emulator.admin.getTrace(id)).toBe(traceBefore);
    expect(after.finalAcceptedCount).toBe(before.finalAcceptedCount);
    const snap = await registry.snapshot();
    expect(snap.claimedSlots).toBe(0);
    // No second claim: the use count did not move.
    expect(snap.instances.find(i => i.instanceId === instanceId)?.useCount).toBe(2);
  });

  it('CI_DEBUG_TRACE traces every stage (set -o xtrace) and marks the log debug_trace', async () => {
    const id = job('debug-traced').id;
    expect(await enqueue('debug-traced')).toBe('success');
    const view = emulator.admin.getJob(id);
    expect(view).toMatchObject({ status: 'success', debugTrace: true });
    const patches = emulator.admin.listRequests({ jobId: id, method: 'PATCH' });
    expect(patches.every(p => p.query.debug_trace === 'true')).toBe(true);
    const trace = emulator.admin.getTrace(id);
    // xtrace lines from the step (inside its eval) and from get_sources, on stderr into the log;
    // stdout and stderr come over two SSH streams, so their lines are not interleaved in order.
    expect(trace).toContain('\n++ echo traced-line\n');
    expect(trace).toContain('\ntraced-line\n');
    expect(trace).toMatch(/\n\+ git fetch origin /);
    // The credentials header stays out of the trace: neither the token nor its base64 form.
    const { token } = job('debug-traced');
    expect(trace).not.toContain(token);
    expect(trace).not.toContain(Buffer.from(`gitlab-ci-token:${token}`).toString('base64'));
    expect(trace).not.toContain('GIT_CONFIG_VALUE_0');
  });

  it('never logs a job token or the payload key', () => {
    expect(workerLogLines.join('')).toContain('job finished');
    expectNoSecretsLogged({ workerLogLines, jobs, payloadKey });
  });
});
