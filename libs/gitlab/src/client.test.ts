import { GitlabClient, apiBaseUrl } from './client';
import { captureLogger } from './testing/capture-logger';
import {
  jobPayloadFixture,
  jobTokenFixture,
  runnerTokenFixture,
  testRunnerInfo,
} from './testing/fixtures';
import { ManualClock } from './testing/manual-clock';
import { startScriptedServer } from './testing/scripted-server';
import type { ScriptedResponse, ScriptedServer } from './testing/scripted-server';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A client on a scripted server whose answers come from `answers` in order (the last repeats). */
async function scripted(answers: ScriptedResponse[]) {
  let i = 0;
  server = await startScriptedServer(() => answers[Math.min(i++, answers.length - 1)]!);
  const clock = new ManualClock(Date.UTC(2026, 0, 1), { autoAdvance: true });
  const log = captureLogger();
  const client = new GitlabClient({
    url: `${server.url}/ci/`,
    logger: log.logger,
    runnerInfo: testRunnerInfo,
    systemId: 's_0123456789ab',
    clock,
    random: () => 0.5,
  });
  return { server, client, clock, log };
}

describe('apiBaseUrl', () => {
  it.each([
    ['https://gitlab.example.com', 'https://gitlab.example.com/api/v4/'],
    ['https://gitlab.example.com/', 'https://gitlab.example.com/api/v4/'],
    ['https://gitlab.example.com/ci', 'https://gitlab.example.com/api/v4/'],
    ['https://gitlab.example.com/ci/', 'https://gitlab.example.com/api/v4/'],
    ['http://127.0.0.1:8080/gitlab', 'http://127.0.0.1:8080/gitlab/api/v4/'],
  ])('%s → %s', (url, base) => {
    expect(apiBaseUrl(url)).toBe(base);
  });

  it('refuses other schemes', () => {
    expect(() => apiBaseUrl('ftp://gitlab.example.com')).toThrow(
      expect.objectContaining({ code: 'invalid_config' }),
    );
  });
});

describe('automatic retry (reference §1.3)', () => {
  it.each<[string, number[], number, number[]]>([
    ['429 then 201', [429, 204], 2, [100]],
    [
      'five 502s: gives up after 5 attempts',
      [502, 502, 502, 502, 502, 204],
      5,
      [100, 150, 250, 450],
    ],
    ['503, 504, 500 then 204', [503, 504, 500, 204], 4, [100, 150, 250]],
    ['408 then 204', [408, 204], 2, [100]],
    ['520 then 204', [520, 204], 2, [100]],
    ['501 is not retried', [501, 204], 1, []],
    ['403 is not retried', [403, 204], 1, []],
    ['409 is not retried', [409, 204], 1, []],
  ])('%s', async (_name, statuses, attempts, sleeps) => {
    const { client, clock } = await scripted(statuses.map(status => ({ status })));
    const result = await client.requestJob({ token: runnerTokenFixture });
    expect(server!.requests).toHaveLength(attempts);
    // The poller reads it: a request that needed a retry halves adaptive request concurrency.
    expect(result.attempts).toBe(attempts);
    // Jitter fixed at 0.5: halfway between 100 ms and 100·2^(n−1) ms.
    expect(clock.sleeps).toEqual(sleeps);
  });

  it('honours Retry-After seconds on 429', async () => {
    const { client, clock } = await scripted([
      { status: 429, headers: { 'Retry-After': '60' } },
      { status: 204 },
    ]);
    const result = await client.requestJob({ token: runnerTokenFixture });
    expect(result.kind).toBe('none');
    expect(clock.sleeps).toEqual([60_000]);
  });

  it('honours RateLimit-ResetTime before Retry-After', async () => {
    const reset = new Date(Date.UTC(2026, 0, 1) + 12_000).toUTCString();
    const { client, clock } = await scripted([
      { status: 429, headers: { 'RateLimit-ResetTime': reset, 'Retry-After': '60' } },
      { status: 204 },
    ]);
    await client.requestJob({ token: runnerTokenFixture });
    expect(clock.sleeps).toEqual([12_000]);
  });

  it('returns the last answer after the attempts run out', async () => {
    const { client } = await scripted([{ status: 503 }]);
    const result = await client.requestJob({ token: runnerTokenFixture });
    expect(result).toMatchObject({
      kind: 'error',
      unhealthy: false,
      error: { code: 'unavailable', status: 503 },
    });
  });

  it('does not retry a network failure', async () => {
    const { client, clock } = await scripted([{ status: 0, hangUp: true }]);
    const result = await client.requestJob({ token: runnerTokenFixture });
    expect(result).toMatchObject({
      kind: 'error',
      error: { code: 'network', retryable: true },
      attempts: 1,
    });
    expect(server!.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('re-sends the same body on each attempt', async () => {
    const { client } = await scripted([{ status: 502 }, { status: 502 }, { status: 204 }]);
    await client.requestJob({ token: runnerTokenFixture });
    const bodies = server!.requests.map(r => r.body.toString());
    expect(new Set(bodies).size).toBe(1);
    expect(JSON.parse(bodies[0]!)).toMatchObject({ token: runnerTokenFixture });
  });
});

describe('requestJob (reference §3)', () => {
  it('sends the runner headers and body', async () => {
    const { client } = await scripted([{ status: 204, headers: { 'X-GitLab-Last-Update': 'q1' } }]);
    await client.requestJob({ token: runnerTokenFixture });
    const [request] = server!.requests;
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe('/api/v4/jobs/request');
    expect(request!.headers['runner-token']).toBe(runnerTokenFixture);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers.accept).toBe('application/json');
    expect(request!.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(request!.headers['user-agent']).toMatch(/^taskfleet 0\.1\.0-test \(/);
    const body = JSON.parse(request!.body.toString());
    expect(body).toMatchObject({ token: runnerTokenFixture, system_id: 's_0123456789ab' });
    expect(body.last_update).toBeUndefined();
    expect(Object.keys(body.info.features)).toHaveLength(31);
    expect(body.info.features).toMatchObject({
      two_phase_job_commit: true,
      cancel_gracefully: true,
      trace_checksum: true,
    });
  });

  it('remembers X-GitLab-Last-Update and echoes it; an empty header keeps the old value', async () => {
    const { client } = await scripted([
      { status: 204, headers: { 'X-GitLab-Last-Update': 'q1' } },
      { status: 204, headers: { 'X-GitLab-Last-Update': '' } },
      { status: 204 },
    ]);
    expect(await client.requestJob({ token: runnerTokenFixture })).toEqual({
      kind: 'none',
      lastUpdate: 'q1',
      attempts: 1,
    });
    expect(await client.requestJob({ token: runnerTokenFixture })).toEqual({
      kind: 'none',
      lastUpdate: 'q1',
      attempts: 1,
    });
    await client.requestJob({ token: runnerTokenFixture, lastUpdate: 'explicit' });
    const sent = server!.requests.map(
      r => (JSON.parse(r.body.toString()) as { last_update?: string }).last_update,
    );
    expect(sent).toEqual([undefined, 'q1', 'explicit']);
  });

  it('decodes a 201 job with Go zero values for absent fields', async () => {
    const payload = jobPayloadFixture();
    delete payload.hooks;
    const { client } = await scripted([
      { status: 201, json: payload, headers: { 'X-GitLab-Last-Update': 'q2' } },
    ]);
    const result = await client.requestJob({ token: runnerTokenFixture });
    if (result.kind !== 'job') {
      throw new Error(`expected a job, got ${result.kind}`);
    }
    expect(result.lastUpdate).toBe('q2');
    expect(result.job.id).toBe(4101);
    expect(result.job.token).toBe(jobTokenFixture);
    expect(result.job.services).toEqual([]);
    expect(result.job.hooks).toEqual([]);
    expect(result.job.features.token_mask_prefixes).toEqual([]);
    expect(result.job.variables.find(v => v.key === 'DEPLOY_KEY')).toMatchObject({
      masked: true,
      raw: true,
      file: false,
    });
  });

  it.each<[string, ScriptedResponse, Record<string, unknown>]>([
    [
      '403 counts as unhealthy',
      { status: 403 },
      { kind: 'error', unhealthy: true, error: { code: 'forbidden' } },
    ],
    [
      '409 is a conflict, not unhealthy',
      { status: 409 },
      { kind: 'error', unhealthy: false, error: { code: 'conflict' } },
    ],
    [
      '422 orphaned runner',
      { status: 422 },
      { kind: 'error', unhealthy: false, error: { code: 'unprocessable' } },
    ],
    [
      '201 that is not application/json',
      { status: 201, body: '{"id":1}', headers: { 'Content-Type': 'text/plain' } },
      { kind: 'error', error: { code: 'bad_response' } },
    ],
    [
      '201 with broken JSON',
      { status: 201, body: '{"id":', headers: { 'Content-Type': 'application/json' } },
      { kind: 'error', error: { code: 'bad_response' } },
    ],
    [
      '201 with `run` as an array is undecodable but names the job',
      { status: 201, json: jobPayloadFixture({ run: [{ name: 'x' }] }) },
      { kind: 'invalid-job', jobId: 4101, jobToken: jobTokenFixture },
    ],
  ])('%s', async (_name, answer, expected) => {
    const { client } = await scripted([answer]);
    expect(await client.requestJob({ token: runnerTokenFixture })).toMatchObject(expected);
  });
});

describe('requestJob log lines an operator acts on', () => {
  it('names the runner token as refused on 403, with the GitLab address', async () => {
    const { client, log, server: s } = await scripted([{ status: 403 }]);
    await client.requestJob({ token: runnerTokenFixture });
    const line = log
      .lines()
      .split('\n')
      .find(l => l.includes('job request refused'));
    expect(JSON.parse(line ?? '{}')).toMatchObject({
      level: 40,
      msg: 'job request refused: gitlab does not accept this runner token',
      status: 403,
      url: new URL(s.url).origin,
    });
    expect(log.lines()).not.toContain(runnerTokenFixture);
  });

  it('says GitLab was not reached when nothing answers, with the errno', async () => {
    const { server: s } = await scripted([{ status: 204 }]);
    const url = s.url;
    await s.close();
    server = undefined;
    const log = captureLogger();
    const client = new GitlabClient({
      url,
      logger: log.logger,
      runnerInfo: testRunnerInfo,
      clock: new ManualClock(Date.UTC(2026, 0, 1), { autoAdvance: true }),
      retryPolicy: { maxAttempts: 1 },
    });
    expect(await client.requestJob({ token: runnerTokenFixture })).toMatchObject({
      kind: 'error',
      error: { code: 'network' },
    });
    const line = log
      .lines()
      .split('\n')
      .find(l => l.includes('gitlab not reached'));
    expect(JSON.parse(line ?? '{}')).toMatchObject({
      level: 40,
      code: 'network',
      errno: 'ECONNREFUSED',
      url: new URL(url).origin,
    });
    expect(log.lines()).not.toContain(runnerTokenFixture);
  });
});

describe('requestJob cancellation', () => {
  it('ends a held long poll when the caller aborts', async () => {
    server = await startScriptedServer(() => new Promise<ScriptedResponse>(() => undefined));
    const log = captureLogger();
    const client = new GitlabClient({
      url: server.url,
      logger: log.logger,
      runnerInfo: testRunnerInfo,
    });
    const controller = new AbortController();
    const pending = client.requestJob({
      token: runnerTokenFixture,
      lastUpdate: 'q1',
      signal: controller.signal,
    });
    while (server.requests.length === 0) {
      await new Promise(resolve => setImmediate(resolve));
    }
    controller.abort();
    await expect(pending).resolves.toMatchObject({
      kind: 'error',
      error: { code: 'aborted' },
      lastUpdate: 'q1',
    });
  });
});

describe('verifyRunner (reference §2.5)', () => {
  it('returns the registration details', async () => {
    const { client } = await scripted([
      {
        status: 200,
        json: {
          id: 54321,
          token: runnerTokenFixture,
          token_expires_at: '2026-10-01T00:00:00.000Z',
        },
      },
    ]);
    await expect(client.verifyRunner(runnerTokenFixture)).resolves.toEqual({
      id: 54321,
      token: runnerTokenFixture,
      tokenExpiresAt: '2026-10-01T00:00:00.000Z',
    });
    expect(server!.requests[0]!.path).toBe('/api/v4/runners/verify');
  });

  it('throws forbidden for an unknown token', async () => {
    const { client } = await scripted([{ status: 403, json: { message: '403 Forbidden' } }]);
    await expect(client.verifyRunner(runnerTokenFixture)).rejects.toMatchObject({
      code: 'forbidden',
      status: 403,
    });
  });
});

describe('updateJob and patchTrace on the wire', () => {
  it('accepts a job with PUT state=running and the job token in header and body', async () => {
    const { client } = await scripted([{ status: 200, headers: { 'Job-Status': 'running' } }]);
    const result = await client.acceptJob(4101, jobTokenFixture);
    expect(result).toMatchObject({
      kind: 'accepted',
      jobStatus: 'running',
      cancelRequested: false,
    });
    const [request] = server!.requests;
    expect(request!.method).toBe('PUT');
    expect(request!.path).toBe('/api/v4/jobs/4101');
    expect(request!.headers['job-token']).toBe(jobTokenFixture);
    const body = JSON.parse(request!.body.toString());
    expect(body).toMatchObject({ token: jobTokenFixture, state: 'running', output: {} });
    expect(body.exit_code).toBeUndefined();
  });

  it('sends a trace chunk with an inclusive Content-Range and text/plain', async () => {
    const { client } = await scripted([
      { status: 202, headers: { Range: '0-15', 'Job-Status': 'running' } },
    ]);
    const result = await client.patchTrace(4101, jobTokenFixture, 10, Buffer.from('hello!'));
    expect(result).toMatchObject({ kind: 'ok', storedLength: 15 });
    const [request] = server!.requests;
    expect(request!.method).toBe('PATCH');
    expect(request!.path).toBe('/api/v4/jobs/4101/trace');
    expect(request!.query.get('debug_trace')).toBe('false');
    expect(request!.headers['content-range']).toBe('10-15');
    expect(request!.headers['content-type']).toBe('text/plain');
    expect(request!.body.toString()).toBe('hello!');
  });

  it('reports a network failure as failed, not as a throw', async () => {
    const { client } = await scripted([{ status: 0, hangUp: true }]);
    await expect(client.updateJob(1, jobTokenFixture, { state: 'running' })).resolves.toMatchObject(
      {
        kind: 'failed',
        error: { code: 'network' },
      },
    );
  });
});

describe('token redaction', () => {
  it('never writes a runner or job token to the log, whatever happens', async () => {
    const { client, log } = await scripted([
      { status: 429, headers: { 'Retry-After': '1' } },
      { status: 201, json: jobPayloadFixture() },
      { status: 403 },
      { status: 201, json: jobPayloadFixture({ run: [] }) },
      { status: 202 },
      { status: 0, hangUp: true },
    ]);
    await client.requestJob({ token: runnerTokenFixture });
    await client.requestJob({ token: runnerTokenFixture });
    await client.requestJob({ token: runnerTokenFixture });
    await client.updateJob(4101, jobTokenFixture, {
      state: 'failed',
      failureReason: 'script_failure',
      exitCode: 2,
    });
    await client.patchTrace(4101, jobTokenFixture, 0, Buffer.from('x'));
    const output = log.lines();
    expect(output.length).toBeGreaterThan(500);
    expect(output).toContain('glrt-sha256:');
    expect(output).not.toContain(runnerTokenFixture);
    expect(output).not.toContain(jobTokenFixture);
    expect(output).not.toContain('SECRET');
  });
});
