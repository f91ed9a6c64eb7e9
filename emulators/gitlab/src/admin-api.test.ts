import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ManualClock } from './clock';
import { startGitlabEmulator, type GitlabEmulator } from './start-emulator';
import {
  call,
  modernInfo,
  patchTrace,
  requestJob,
  updateJob,
} from './testing/harness.test-support';

describe('admin HTTP API', () => {
  let emulator: GitlabEmulator;
  let dir: string;
  const admin = (path: string, init: { method?: string; json?: unknown } = {}) =>
    call(`${emulator.adminUrl}${path}`, { method: init.method ?? 'GET', json: init.json });

  beforeEach(async () => {
    emulator = await startGitlabEmulator({ clock: new ManualClock(), longPollTimeoutMs: 0 });
    dir = await mkdtemp(join(tmpdir(), 'gitlab-admin-'));
  });
  afterEach(async () => {
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates runner, project, variables and pipeline; reads job, trace and request log', async () => {
    await writeFile(join(dir, '.gitlab-ci.yml'), 'unit:\n  script: [echo $GREETING]\n');
    const runner = await admin('/runners', {
      method: 'POST',
      json: { description: 'r', tags: [], runUntagged: true },
    });
    expect(runner.status).toBe(201);
    const project = await admin('/projects', {
      method: 'POST',
      json: { path: 'acme/api', sourceDir: dir },
    });
    expect(project.status).toBe(201);
    expect(project.json()).toMatchObject({
      id: 1,
      path_with_namespace: 'acme/api',
      default_branch: 'main',
    });
    expect(project.json().sha).toMatch(/^[0-9a-f]{40}$/);
    const variable = await admin('/projects/1/variables', {
      method: 'POST',
      json: { key: 'GREETING', value: 'hello-secret', masked: true },
    });
    expect(variable.status).toBe(201);
    const pipeline = await admin('/projects/1/pipelines', {
      method: 'POST',
      json: { ref: 'main' },
    });
    expect(pipeline.status).toBe(201);
    expect(pipeline.json()).toMatchObject({
      status: 'pending',
      jobs: [{ name: 'unit', status: 'pending' }],
    });

    const token = runner.json().token as string;
    const payload = (await requestJob(emulator, token)).json();
    expect(payload.variables).toContainEqual(
      expect.objectContaining({ key: 'GREETING', value: 'hello-secret', masked: true }),
    );
    await updateJob(emulator, payload.id, payload.token, { state: 'running' });
    await patchTrace(emulator, payload.id, payload.token, 0, 'hello\n');
    await updateJob(emulator, payload.id, payload.token, {
      state: 'success',
      output: { bytesize: 6 },
    });

    const job = await admin(`/jobs/${payload.id}`);
    expect(job.json()).toMatchObject({
      status: 'success',
      traceBytes: 6,
      runnerId: runner.json().id,
    });
    expect((await admin(`/jobs/${payload.id}/trace`)).text).toBe('hello\n');
    expect((await admin('/pipelines/1')).json().status).toBe('success');
    const log = (await admin(`/jobs/${payload.id}/requests`)).json();
    expect(log.map((e: { method: string }) => e.method)).toEqual(['POST', 'PUT', 'PATCH', 'PUT']);
    expect(log[1].headers['job-token']).toBe(payload.token);
    expect(log[1].json).toMatchObject({ state: 'running', info: modernInfo });
    expect(log[2]).toMatchObject({
      contentRange: '0-5',
      status: 202,
      responseHeaders: { range: '0-6' },
    });
    const byRunner = (await admin(`/requests?runnerId=${runner.json().id}&method=POST`)).json();
    expect(byRunner[0].headers['runner-token']).toBe(token);
  });

  it('refuses a file GitLab would reject with 400 and GitLab-style messages, creating no pipeline', async () => {
    await writeFile(join(dir, '.gitlab-ci.yml'), 'unit:\n  script: [echo hi]\n  bogus_key: 1\n');
    await admin('/projects', { method: 'POST', json: { path: 'acme/bad', sourceDir: dir } });
    const refused = await admin('/projects/1/pipelines', { method: 'POST', json: {} });
    expect(refused.status).toBe(400);
    expect(refused.json().message.base.join('\n')).toMatch(/unknown keys?: bogus_key/);
    expect((await admin('/pipelines')).json()).toEqual([]);
  });

  it('validates admin bodies, listing every problem', async () => {
    const bad = await admin('/runners', { method: 'POST', json: { tags: 'linux', paused: 'yes' } });
    expect(bad.status).toBe(400);
    expect(bad.json().details).toHaveLength(2);
    expect((await admin('/jobs/99')).status).toBe(404);
    expect((await admin('/nowhere')).status).toBe(404);
  });

  it('adds faults over HTTP and advances the manual clock', async () => {
    const fault = await admin('/faults', {
      method: 'POST',
      json: { path: '/api/v4/runners/verify', kind: 'status', status: 502, durationMs: 1000 },
    });
    expect(fault.status).toBe(201);
    const token = (await admin('/runners', { method: 'POST', json: {} })).json().token;
    const verify = () => call(`${emulator.url}/api/v4/runners/verify`, { json: { token } });
    expect((await verify()).status).toBe(502);
    expect(
      (await admin('/clock/advance', { method: 'POST', json: { ms: 1000 } })).json().nowMs,
    ).toBeGreaterThan(0);
    expect((await verify()).status).toBe(200);
    expect((await admin('/faults')).json().faults[0].hits).toBe(1);
  });
});
