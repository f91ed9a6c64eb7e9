import { GitlabClient } from './client';
import { sendFinalUpdate } from './final-update';
import type { SendFinalUpdateInput } from './final-update';
import { captureLogger } from './testing/capture-logger';
import { jobTokenFixture, testRunnerInfo } from './testing/fixtures';
import { ManualClock } from './testing/manual-clock';
import { startScriptedServer } from './testing/scripted-server';
import type { RecordedRequest, ScriptedResponse, ScriptedServer } from './testing/scripted-server';

const startMs = Date.UTC(2026, 0, 1);
const hourMs = 60 * 60_000;
let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setUp(answer: (request: RecordedRequest, clock: ManualClock) => ScriptedResponse) {
  const clock = new ManualClock(startMs, { autoAdvance: true });
  server = await startScriptedServer(request => answer(request, clock));
  const log = captureLogger();
  const client = new GitlabClient({
    url: server.url,
    logger: log.logger,
    runnerInfo: testRunnerInfo,
    clock,
    random: () => 0.5,
  });
  const base: SendFinalUpdateInput = {
    client,
    jobId: 9,
    jobToken: jobTokenFixture,
    update: { state: 'failed', failureReason: 'script_failure', exitCode: 1 },
    output: () => ({ checksum: 'crc32:12345678', bytesize: 99 }),
    deadlineAtMs: startMs + 2 * hourMs,
    logger: log.logger,
    clock,
    random: () => 0.5,
  };
  const puts = (): RecordedRequest[] => server!.requests.filter(r => r.method === 'PUT');
  return { clock, base, puts, log };
}

describe('sendFinalUpdate (reference §4.3, §5.4)', () => {
  it('re-sends after 202 on the server interval until 200', async () => {
    let n = 0;
    const { base, clock, puts } = await setUp((): ScriptedResponse =>
      n++ < 2
        ? { status: 202, headers: { 'X-GitLab-Trace-Update-Interval': '2' } }
        : { status: 200, headers: { 'Job-Status': 'failed' } },
    );
    await expect(sendFinalUpdate(base)).resolves.toEqual({
      kind: 'delivered',
      jobStatus: 'failed',
      attempts: 3,
    });
    expect(clock.sleeps).toEqual([2000, 2000]);
    expect(JSON.parse(puts()[0]!.body.toString())).toMatchObject({
      state: 'failed',
      failure_reason: 'script_failure',
      exit_code: 1,
      output: { checksum: 'crc32:12345678', bytesize: 99 },
    });
  });

  it('survives a GitLab outage of an hour and delivers once it is back', async () => {
    const { base, clock, puts } = await setUp((_r, c) =>
      c.now() < startMs + hourMs ? { status: 502 } : { status: 200 },
    );
    const outcome = await sendFinalUpdate(base);
    expect(outcome.kind).toBe('delivered');
    expect(clock.now()).toBeGreaterThanOrEqual(startMs + hourMs);
    // Back-off is capped at 5 min, so the delivery follows the outage's end within about that.
    expect(clock.now()).toBeLessThan(startMs + hourMs + 6 * 60_000);
    expect(puts().length).toBeGreaterThan(5 * 10);
  });

  it('stops at the deadline and says why', async () => {
    const { base, clock } = await setUp(() => ({ status: 503 }));
    const outcome = await sendFinalUpdate({ ...base, deadlineAtMs: startMs + 10 * 60_000 });
    expect(outcome).toMatchObject({
      kind: 'deadline-exceeded',
      lastError: { code: 'unavailable' },
    });
    expect(clock.now()).toBeGreaterThanOrEqual(startMs + 10 * 60_000);
  });

  it('stops after the policy allows no more failed attempts', async () => {
    const { base } = await setUp(() => ({ status: 0, hangUp: true }));
    const outcome = await sendFinalUpdate({ ...base, policy: { maxFailedAttempts: 3 } });
    expect(outcome).toMatchObject({
      kind: 'retries-exhausted',
      attempts: 3,
      lastError: { code: 'network' },
    });
  });

  it.each<[string, ScriptedResponse, Record<string, unknown>]>([
    [
      '403: the job is no longer ours (B17), not retried',
      { status: 403 },
      { kind: 'job-gone', status: 403, attempts: 1 },
    ],
    ['404', { status: 404 }, { kind: 'job-gone', status: 404 }],
    [
      '403 on a job already final',
      { status: 403, headers: { 'Job-Status': 'success' } },
      { kind: 'already-final', jobStatus: 'success' },
    ],
    [
      '200 with Job-Status: canceled after canceling',
      { status: 200, headers: { 'Job-Status': 'canceled' } },
      { kind: 'delivered', jobStatus: 'canceled' },
    ],
  ])('%s', async (_name, response, expected) => {
    const { base } = await setUp(() => response);
    await expect(sendFinalUpdate(base)).resolves.toMatchObject(expected);
  });

  it('drains the trace and re-reads the output before every attempt', async () => {
    let n = 0;
    const { base, puts } = await setUp(() => (n++ < 1 ? { status: 202 } : { status: 200 }));
    let drains = 0;
    let size = 10;
    const outcome = await sendFinalUpdate({
      ...base,
      drainTrace: () => {
        drains++;
        size += 5;
        return Promise.resolve();
      },
      output: () => ({ checksum: 'crc32:00000000', bytesize: size }),
    });
    expect(outcome.kind).toBe('delivered');
    expect(drains).toBe(2);
    expect(
      puts().map(
        r => (JSON.parse(r.body.toString()) as { output: { bytesize: number } }).output.bytesize,
      ),
    ).toEqual([15, 20]);
  });

  it('ends with canceled when the caller aborts', async () => {
    const controller = new AbortController();
    const { base } = await setUp(() => {
      controller.abort();
      return { status: 202 };
    });
    await expect(sendFinalUpdate({ ...base, signal: controller.signal })).resolves.toMatchObject({
      kind: 'canceled',
      attempts: 1,
    });
  });
});
