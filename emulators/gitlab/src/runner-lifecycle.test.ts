import {
  call,
  requestJob,
  startHarness,
  takeAndAck,
  updateJob,
  waitFor,
  type Harness,
} from './testing/harness.test-support';

describe('runner lifecycle, pipeline cancel, GitLab rate limits, delayed jobs', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('resets a token (old one stops working), removes a manager, unregisters, refuses registration', async () => {
    h = await startHarness();
    const expiresAt = new Date(h.clock.now() + 3_600_000).toISOString();
    const runner = h.emulator.admin.createRunner({ tokenExpiresAt: expiresAt });
    const api = `${h.emulator.url}/api/v4/runners`;
    h.clock.advance(60_000);
    const reset = await call(`${api}/reset_authentication_token`, {
      json: { token: runner.token },
    });
    expect(reset.status).toBe(201);
    const fresh = reset.json();
    expect(fresh.token).toMatch(/^glrt-/);
    expect(Date.parse(fresh.token_expires_at)).toBe(Date.parse(expiresAt) + 60_000);
    expect((await call(`${api}/verify`, { json: { token: runner.token } })).status).toBe(403);
    expect((await requestJob(h.emulator, fresh.token)).status).toBe(204);
    const managers = `${api}/managers`;
    const body = { token: fresh.token, system_id: 's_0123456789ab' };
    expect((await call(managers, { method: 'DELETE', json: body })).status).toBe(204);
    expect((await call(managers, { method: 'DELETE', json: body })).status).toBe(404);
    expect((await call(api, { method: 'POST', json: { token: 'glrt-registration' } })).status).toBe(
      410,
    );
    expect((await call(api, { method: 'DELETE', json: { token: fresh.token } })).status).toBe(204);
    expect((await requestJob(h.emulator, fresh.token)).status).toBe(403);
  });

  it('expires runner tokens at token_expires_at on the clock', async () => {
    h = await startHarness();
    const runner = h.emulator.admin.createRunner({
      tokenExpiresAt: new Date(h.clock.now() + 1000).toISOString(),
    });
    expect((await requestJob(h.emulator, runner.token)).status).toBe(204);
    h.clock.advance(1000);
    expect((await requestJob(h.emulator, runner.token)).status).toBe(403);
  });

  it('cancels a pipeline: the running job gracefully, the rest at once', async () => {
    h = await startHarness();
    const token = h.emulator.admin.createRunner({}).token;
    const [build, test] = await h.pipeline([{ name: 'build', stage: 'build' }, { name: 'test' }]);
    const job = await takeAndAck(h, token);
    expect(job.jobId).toBe(build);
    const view = h.emulator.admin.cancelPipeline(h.emulator.admin.getJob(build!).pipelineId);
    expect(view.jobs.map(j => j.status)).toEqual(['canceling', 'canceled']);
    await updateJob(h.emulator, build!, job.jobToken, { state: 'failed' });
    expect(h.emulator.admin.getJob(build!).status).toBe('canceled');
    expect(h.emulator.admin.getJob(test!).status).toBe('canceled');
  });

  it("applies GitLab's default limit of 200 job updates a minute per job token", async () => {
    h = await startHarness();
    await h.pipeline();
    const job = await takeAndAck(h, h.emulator.admin.createRunner({}).token);
    for (let i = 1; i < 200; i++) {
      expect(
        (await updateJob(h.emulator, job.jobId, job.jobToken, { state: 'running' })).status,
      ).toBe(200);
    }
    const limited = await updateJob(h.emulator, job.jobId, job.jobToken, { state: 'running' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
  });

  it('wakes a held long poll when a delayed job becomes due on the clock', async () => {
    h = await startHarness({ longPollTimeoutMs: 600_000 });
    const token = h.emulator.admin.createRunner({}).token;
    const value = (await requestJob(h.emulator, token)).headers.get('x-gitlab-last-update')!;
    const [jobId] = await h.pipelineYaml(
      'later:\n  when: delayed\n  start_in: 30 seconds\n  script: [echo later]\n',
      ['later'],
    );
    expect(h.emulator.admin.getJob(jobId!).status).toBe('scheduled');
    const held = requestJob(h.emulator, token, value);
    await waitFor(() => h.clock.pendingTimerCount() === 2);
    h.clock.advance(30_000);
    expect((await held).status).toBe(204);
    expect((await requestJob(h.emulator, token, value)).json().id).toBe(jobId);
  });
});
