import {
  patchTrace,
  requestJob,
  startHarness,
  takeAndAck,
  updateJob,
  type Harness,
} from './testing/harness.test-support';

describe('injected faults and rate limits', () => {
  let h: Harness;
  let runnerToken: string;
  beforeEach(async () => {
    h = await startHarness();
    runnerToken = h.emulator.admin.createRunner({}).token;
  });
  afterEach(async () => h.close());

  it('rate limit: 429 with Retry-After once a token spends its budget, fresh in the next window', async () => {
    const rule = h.emulator.admin.addRateLimit({
      path: '/api/v4/jobs/request',
      limit: 2,
      windowMs: 60_000,
    });
    const other = h.emulator.admin.createRunner({}).token;
    expect((await requestJob(h.emulator, runnerToken)).status).toBe(204);
    expect((await requestJob(h.emulator, runnerToken)).status).toBe(204);
    const limited = await requestJob(h.emulator, runnerToken);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
    expect((await requestJob(h.emulator, other)).status).toBe(204);
    h.clock.advance(60_000);
    expect((await requestJob(h.emulator, runnerToken)).status).toBe(204);
    expect(h.emulator.admin.listFaults().rateLimits.find(r => r.id === rule.id)?.limited).toBe(1);
  });

  it('429 window: every matching request gets 429 + Retry-After until the window ends', async () => {
    await h.pipeline();
    const { jobId, jobToken } = await takeAndAck(h, runnerToken);
    h.emulator.admin.addFault({
      path: '/api/v4/jobs/*',
      method: 'PUT',
      kind: 'status',
      status: 429,
      retryAfterSec: 5,
      durationMs: 10_000,
    });
    const limited = await updateJob(h.emulator, jobId, jobToken, { state: 'running' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('5');
    expect((await patchTrace(h.emulator, jobId, jobToken, 0, 'x')).status).toBe(202);
    h.clock.advance(10_000);
    expect((await updateJob(h.emulator, jobId, jobToken, { state: 'running' })).status).toBe(200);
  });

  it('5xx window by count: the next N matching requests get 502, then service resumes', async () => {
    h.emulator.admin.addFault({
      path: '/api/v4/jobs/request',
      kind: 'status',
      status: 502,
      count: 2,
    });
    expect((await requestJob(h.emulator, runnerToken)).status).toBe(502);
    expect((await requestJob(h.emulator, runnerToken)).status).toBe(502);
    expect((await requestJob(h.emulator, runnerToken)).status).toBe(204);
    const log = h.emulator.admin.listRequests({ pathPrefix: '/api/v4/jobs/request' });
    expect(log.map(e => e.fault)).toEqual(['status', 'status', undefined]);
  });

  it('5xx window by time: 503 for every route matched by ** until the duration passes', async () => {
    h.emulator.admin.addFault({
      path: '/api/v4/**',
      kind: 'status',
      status: 503,
      durationMs: 30_000,
    });
    expect((await requestJob(h.emulator, runnerToken)).status).toBe(503);
    h.clock.advance(29_999);
    expect((await requestJob(h.emulator, runnerToken)).status).toBe(503);
    h.clock.advance(1);
    expect((await requestJob(h.emulator, runnerToken)).status).toBe(204);
  });

  it('dropped connection before handling: the client sees a network error and nothing changes', async () => {
    const [jobId] = await h.pipeline();
    h.emulator.admin.addFault({
      path: '/api/v4/jobs/request',
      kind: 'drop',
      dropAt: 'request',
      count: 1,
    });
    await expect(requestJob(h.emulator, runnerToken)).rejects.toThrow();
    expect(h.emulator.admin.getJob(jobId!).runnerAck).toBe('none');
    expect(h.emulator.admin.listRequests({ pathPrefix: '/api/v4/jobs/request' })[0]?.fault).toBe(
      'drop',
    );
    expect((await requestJob(h.emulator, runnerToken)).status).toBe(201);
  });

  it('dropped connection after handling: job handed out, 201 lost, ack timeout requeues it', async () => {
    const [jobId] = await h.pipeline();
    h.emulator.admin.addFault({
      path: '/api/v4/jobs/request',
      kind: 'drop',
      dropAt: 'response',
      count: 1,
    });
    await expect(requestJob(h.emulator, runnerToken)).rejects.toThrow();
    expect(h.emulator.admin.getJob(jobId!).runnerAck).toBe('waiting');
    expect((await requestJob(h.emulator, runnerToken)).status).toBe(204);
    h.clock.advance(10_000);
    const again = await requestJob(h.emulator, runnerToken);
    expect(again.status).toBe(201);
    expect(again.json().id).toBe(jobId);
  });

  it('removes a fault by id and lists what is configured', async () => {
    const fault = h.emulator.admin.addFault({
      path: '/api/v4/jobs/request',
      kind: 'status',
      status: 500,
      count: 5,
    });
    expect(h.emulator.admin.listFaults().faults.map(f => f.id)).toEqual([fault.id]);
    h.emulator.admin.removeFault(fault.id);
    expect((await requestJob(h.emulator, runnerToken)).status).toBe(204);
    expect(() => h.emulator.admin.addFault({ path: '/x', kind: 'status', status: 502 })).toThrow(
      /count or durationMs/,
    );
  });
});
