// The executor's queue worker end to end when something was lost: GitLab losing the log (416,
// 412), a takeover answering a 412 from the outbox, a started job never run again, no instance
// in time, and an instance lost under a job. Real BullMQ, Redis, registry, sshd and emulators.
import { JobRecords } from '@taskfleet/executor';
import { TraceChecksum } from '@taskfleet/gitlab';

import { startExecutorWorkerWorld } from './support/executor-worker-world';
import type { ExecutorWorkerWorld } from './support/executor-worker-world';

jest.setTimeout(120_000);

describe('executor worker: lost logs, takeovers and instance faults', () => {
  let world: ExecutorWorkerWorld | undefined;
  let emulator: ExecutorWorkerWorld['emulator'];
  let client: ExecutorWorkerWorld['client'];
  let redis: ExecutorWorkerWorld['redis'];
  let registry: ExecutorWorkerWorld['registry'];
  let emptyRegistry: ExecutorWorkerWorld['emptyRegistry'];
  let aws: ExecutorWorkerWorld['aws'];
  let instanceId: ExecutorWorkerWorld['instanceId'];
  let jobs: ExecutorWorkerWorld['jobs'];
  let payloadKey: ExecutorWorkerWorld['payloadKey'];
  let workerLogLines: ExecutorWorkerWorld['workerLogLines'];
  let job: ExecutorWorkerWorld['job'];
  let enqueue: ExecutorWorkerWorld['enqueue'];

  beforeAll(async () => {
    world = await startExecutorWorkerWorld();
    ({
      emulator,
      client,
      redis,
      registry,
      emptyRegistry,
      aws,
      instanceId,
      jobs,
      payloadKey,
      workerLogLines,
      job,
      enqueue,
    } = world);
  });

  afterAll(async () => {
    await world?.close();
  });

  it('sends GitLab its log again when it lost it: 416 below the sent offset, 412 on the final PUT', async () => {
    const id = job('trace-reset').id;
    emulator.admin.rejectFinalTrace(id, 1, 0);
    const result = enqueue('trace-reset');
    // Bounded poll of real time: the script runs in a real sshd.
    for (let i = 0; i < 300 && !emulator.admin.getTrace(id).includes('part-one\n'); i++) {
      await new Promise(resolve => setTimeout(resolve, 50));
    }
    // GitLab loses all but the first 10 bytes it acknowledged while the script sleeps.
    emulator.admin.truncateTrace(id, 10);
    expect(await result).toBe('success');
    const view = emulator.admin.getJob(id);
    expect(view).toMatchObject({ status: 'success', finalTraceRejectedCount: 1 });
    // Exact and complete: the stored log is every byte the executor produced, once.
    expect(view.traceChecksum).toBe(view.finalUpdate?.checksum);
    expect(view.traceBytes).toBe(view.finalUpdate?.bytesize);
    const trace = emulator.admin.getTrace(id);
    expect(trace.startsWith('Running with taskfleet')).toBe(true);
    expect(trace.split('\npart-one\n')).toHaveLength(2);
    expect(trace.split('\npart-two\n')).toHaveLength(2);
    expect(trace.split('Job succeeded')).toHaveLength(2);
    const patches = emulator.admin.listRequests({ jobId: id, method: 'PATCH' });
    expect(patches.filter(p => p.status === 416)).not.toHaveLength(0);
    // After the 412 the whole log went again from byte 0.
    const puts = emulator.admin.listRequests({ jobId: id, method: 'PUT' });
    const rejectedAt = puts.find(p => p.status === 412)?.seq ?? Infinity;
    expect(patches.some(p => p.seq > rejectedAt && p.contentRange?.startsWith('0-'))).toBe(true);
  });

  it('a takeover answers a 412 from the outbox: the whole log survives the executor', async () => {
    const { id, token } = job('outbox-takeover');
    const whole = Buffer.from('Running with an executor that stopped\nline two\nJob succeeded\n');
    const headBytes = 12;
    // The executor that stopped had GitLab acknowledge the first bytes ...
    expect((await client.patchTrace(id, token, 0, whole.subarray(0, headBytes))).kind).toBe('ok');
    // ... and stored the final state with the whole log before it died.
    const records = new JobRecords({ redis, baseKey: registry.baseKey, payloadKey });
    const deadOwner = 'ex-dead:0002';
    const longAgoMs = Date.now() - 3600_000;
    const target = {
      id,
      token,
      maskedValues: [],
      tokenMaskPrefixes: [],
      failureReasons: undefined,
    };
    expect((await records.take(id, deadOwner, longAgoMs, 1000, target)).taken).toBe(true);
    expect(await records.markStarted(id, deadOwner, longAgoMs)).toBe(true);
    const sum = new TraceChecksum();
    sum.update(whole);
    expect(
      await records.markFinished(id, deadOwner, longAgoMs, {
        state: 'success',
        checksum: sum.checksum,
        bytesize: whole.length,
        logFromOffset: 0,
        log: whole,
        logSentBytes: headBytes,
        deadlineAtMs: Date.now() + 60_000,
      }),
    ).toBe(true);
    emulator.admin.rejectFinalTrace(id, 1, 0);
    expect(await enqueue('outbox-takeover')).toBe('delivered_outbox');
    expect(emulator.admin.getTrace(id)).toBe(whole.toString());
    expect(emulator.admin.getJob(id)).toMatchObject({
      status: 'success',
      finalTraceRejectedCount: 1,
      traceChecksum: sum.checksum,
    });
    const ranges = emulator.admin
      .listRequests({ jobId: id, method: 'PATCH' })
      .map(r => [r.contentRange, r.status]);
    const end = whole.length - 1;
    expect(ranges).toEqual([
      [`0-${headBytes - 1}`, 202],
      [`${headBytes}-${end}`, 202],
      [`0-${end}`, 202],
    ]);
  });

  it('never re-runs a job whose script was started: runner_system_failure instead', async () => {
    const id = job('started-before').id;
    // What an executor that died mid-script leaves behind: its claim and the started stage,
    // under a lease that ran out long ago.
    expect(await registry.claimSlot(String(id))).toBeDefined();
    const records = new JobRecords({ redis, baseKey: registry.baseKey, payloadKey });
    const deadOwner = 'ex-dead:0001';
    const longAgoMs = Date.now() - 3600_000;
    const taken = await records.take(id, deadOwner, longAgoMs, 1000, {
      id,
      token: job('started-before').token,
      maskedValues: [],
      tokenMaskPrefixes: [],
      failureReasons: undefined,
    });
    expect(taken.taken).toBe(true);
    expect(await records.markStarted(id, deadOwner, longAgoMs)).toBe(true);
    expect(await enqueue('started-before')).toBe('system_failure');
    const view = emulator.admin.getJob(id);
    expect(view).toMatchObject({ status: 'failed', failureReason: 'runner_system_failure' });
    const trace = emulator.admin.getTrace(id);
    expect(trace).toContain('started before and its executor stopped');
    expect(trace).not.toContain('must-never-run');
    expect((await registry.snapshot()).claimedSlots).toBe(0);
  });

  it('fails a job with no instance as runner_system_failure after the acquire timeout', async () => {
    const id = job('lonely').id;
    // The poller's reservation turned into pending demand, which the failure must drop.
    const reserved = await emptyRegistry.reserve({
      ownerId: 'it-poller',
      ttlMs: 60_000,
      mode: 'potential',
      maxInstances: 1,
      capacityPerInstance: 1,
    });
    if (!reserved.reserved) {
      throw new Error('not reserved');
    }
    await emptyRegistry.convertReservation(reserved.reservationId, String(id));
    expect((await emptyRegistry.snapshot()).pendingJobs).toBe(1);
    const startedAtMs = Date.now();
    expect(await enqueue('lonely', 'empty')).toBe('system_failure');
    expect(Date.now() - startedAtMs).toBeGreaterThanOrEqual(1500);
    const view = emulator.admin.getJob(id);
    expect(view).toMatchObject({ status: 'failed', failureReason: 'runner_system_failure' });
    expect(emulator.admin.getTrace(id)).toContain('no instance became available within 2s');
    const snap = await emptyRegistry.snapshot();
    expect(snap.pendingJobs).toBe(0);
    expect(snap.claimedSlots).toBe(0);
  });

  // Last: it terminates the only instance.
  it('fails a job whose instance is lost under it as runner_system_failure and frees the slot', async () => {
    const id = job('lost').id;
    const result = enqueue('lost');
    // Bounded poll of real time: the script runs in a real sshd.
    for (let i = 0; i < 300 && !emulator.admin.getTrace(id).includes('lost-started'); i++) {
      await new Promise(resolve => setTimeout(resolve, 100));
    }
    expect(emulator.admin.getTrace(id)).toContain('lost-started');
    const response = await fetch(`${aws.adminEndpoint}/instances/${instanceId}/terminate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.ok).toBe(true);
    expect(await result).toBe('system_failure');
    const view = emulator.admin.getJob(id);
    expect(view).toMatchObject({ status: 'failed', failureReason: 'runner_system_failure' });
    expect(emulator.admin.getTrace(id)).toContain('ERROR: Job failed (system failure): ');
    expect((await registry.snapshot()).claimedSlots).toBe(0);
  });

  it('never logs a job token or the payload key', () => {
    const log = workerLogLines.join('');
    expect(log).toContain('job finished');
    // The clear lines a person looks for when a job was not run.
    expect(log).toContain(
      'job script was started by an executor that stopped; not running it again',
    );
    expect(log).toContain('no instance slot within the acquire timeout');
    expect(log).toContain('instance failed under a running job');
    for (const { token } of jobs.values()) {
      expect(log).not.toContain(token);
    }
    expect(log).not.toContain(payloadKey.toString('base64'));
    expect(log).not.toContain(payloadKey.toString('hex'));
  });
});
