import {
  call,
  requestJob,
  startHarness,
  updateJob,
  waitFor,
  type Harness,
} from './testing/harness.test-support';

describe('runner API: verify, request, two-phase accept', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('verifies a created runner token and refuses unknown ones', async () => {
    h = await startHarness();
    const runner = h.emulator.admin.createRunner({ description: 'r1' });
    expect(runner.token).toMatch(/^glrt-/);
    const ok = await call(`${h.emulator.url}/api/v4/runners/verify`, {
      json: { token: runner.token, system_id: 's_0123456789ab', info: { features: {} } },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/json');
    expect(ok.json()).toEqual({ id: runner.id, token: runner.token, token_expires_at: null });
    const echoed = await call(`${h.emulator.url}/api/v4/runners/verify`, {
      json: { token: runner.token, system_id: 's_0123456789ab' },
      headers: { 'X-Request-Id': '0123456789abcdef0123456789abcdef' },
    });
    expect(echoed.headers.get('x-request-id')).toBe('0123456789abcdef0123456789abcdef');
    expect(ok.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    const bad = await call(`${h.emulator.url}/api/v4/runners/verify`, {
      json: { token: 'glrt-nope' },
    });
    expect(bad.status).toBe(403);
    expect(h.emulator.admin.getRunner(runner.id).managers.map(m => m.systemId)).toEqual([
      's_0123456789ab',
    ]);
  });

  it('answers 204 with X-GitLab-Last-Update, and the same value again when nothing changed', async () => {
    h = await startHarness();
    const { token } = h.emulator.admin.createRunner({});
    const first = await requestJob(h.emulator, token);
    expect(first.status).toBe(204);
    const value = first.headers.get('x-gitlab-last-update');
    expect(value).toMatch(/^[0-9a-f]{32}$/);
    const second = await requestJob(h.emulator, token, value!);
    expect(second.status).toBe(204);
    expect(second.headers.get('x-gitlab-last-update')).toBe(value);
    expect((await requestJob(h.emulator, 'glrt-unknown')).status).toBe(403);
  });

  it('holds a long poll and answers a bare 204 when a job becomes pending, then 201', async () => {
    h = await startHarness({ longPollTimeoutMs: 50_000 });
    const { token } = h.emulator.admin.createRunner({});
    const value = (await requestJob(h.emulator, token)).headers.get('x-gitlab-last-update')!;
    const held = requestJob(h.emulator, token, value);
    await waitFor(() => h.clock.pendingTimerCount() === 1);
    await h.pipeline([{ name: 'build' }]);
    const woken = await held;
    expect(woken.status).toBe(204);
    expect(woken.headers.get('x-gitlab-last-update')).toBeNull();
    const next = await requestJob(h.emulator, token, value);
    expect(next.status).toBe(201);
    expect(next.json().job_info.name).toBe('build');
  });

  it('ends a held long poll with 204 when the hold time passes on the clock', async () => {
    h = await startHarness({ longPollTimeoutMs: 50_000 });
    const { token } = h.emulator.admin.createRunner({});
    const value = (await requestJob(h.emulator, token)).headers.get('x-gitlab-last-update')!;
    const held = requestJob(h.emulator, token, value);
    await waitFor(() => h.clock.pendingTimerCount() === 1);
    h.clock.advance(49_999);
    expect(h.clock.pendingTimerCount()).toBe(1);
    h.clock.advance(1);
    expect((await held).status).toBe(204);
  });

  it('hands out a job with 201, keeps it pending until PUT state=running, then runs it', async () => {
    h = await startHarness();
    const { token } = h.emulator.admin.createRunner({});
    const [jobId] = await h.pipeline([{ name: 'unit' }]);
    const got = await requestJob(h.emulator, token);
    expect(got.status).toBe(201);
    expect(got.headers.get('content-type')).toBe('application/json');
    const payload = got.json();
    expect(payload.id).toBe(jobId);
    expect(payload.token).toMatch(/^glcbt-/);
    expect(h.emulator.admin.getJob(jobId!)).toMatchObject({
      status: 'pending',
      runnerAck: 'waiting',
    });
    expect((await requestJob(h.emulator, token)).status).toBe(204);
    const ack = await updateJob(h.emulator, jobId!, payload.token, { state: 'running' });
    expect(ack.status).toBe(200);
    expect(ack.text).toBe('200');
    expect(ack.headers.get('job-status')).toBe('running');
    expect(h.emulator.admin.getJob(jobId!)).toMatchObject({
      status: 'running',
      runnerAck: 'acked',
    });
  });

  it('returns a job to pending when the ack does not come in time, and refuses the late ack', async () => {
    h = await startHarness({ ackTimeoutMs: 10_000 });
    const { token } = h.emulator.admin.createRunner({});
    const [jobId] = await h.pipeline();
    const payload = (await requestJob(h.emulator, token)).json();
    h.clock.advance(9_999);
    expect(h.emulator.admin.getJob(jobId!).runnerAck).toBe('waiting');
    h.clock.advance(1);
    expect(h.emulator.admin.getJob(jobId!)).toMatchObject({ status: 'pending', runnerAck: 'none' });
    const late = await updateJob(h.emulator, jobId!, payload.token, { state: 'running' });
    expect(late.status).toBe(403);
    expect(late.headers.get('job-status')).toBe('pending');
    const again = await requestJob(h.emulator, token);
    expect(again.status).toBe(201);
    expect(again.json().id).toBe(jobId);
    expect(h.emulator.admin.getJob(jobId!).handOutCount).toBe(2);
  });

  it('runs jobs of legacy runners (no two_phase_job_commit) at once', async () => {
    h = await startHarness();
    const { token } = h.emulator.admin.createRunner({});
    const [jobId] = await h.pipeline();
    expect((await requestJob(h.emulator, token, undefined, { features: {} })).status).toBe(201);
    expect(h.emulator.admin.getJob(jobId!)).toMatchObject({
      status: 'running',
      runnerAck: 'acked',
    });
  });

  it('gives tagged jobs only to runners with all their tags, untagged ones only with run_untagged', async () => {
    h = await startHarness();
    const tagged = h.emulator.admin.createRunner({ tags: ['linux'], runUntagged: false });
    const plain = h.emulator.admin.createRunner({});
    const paused = h.emulator.admin.createRunner({ tags: ['linux', 'docker'], paused: true });
    const [untaggedJob, linuxJob] = await h.pipeline([
      { name: 'a' },
      { name: 'b', tags: ['linux'] },
    ]);
    expect((await requestJob(h.emulator, paused.token)).status).toBe(204);
    expect((await requestJob(h.emulator, tagged.token)).json().id).toBe(linuxJob);
    expect((await requestJob(h.emulator, tagged.token)).status).toBe(204);
    expect((await requestJob(h.emulator, plain.token)).json().id).toBe(untaggedJob);
    expect(() => h.emulator.admin.createRunner({ runUntagged: false })).toThrow(/tags list/);
  });
});
