import type { GitlabClient } from '../client';
import { jobTokenFixture } from '../testing/fixtures';
import { closeTraceServer, setUpTraceWriter } from '../testing/trace-writer-setup';
import type { TraceWriterOptions } from './trace-writer';

afterEach(closeTraceServer);

describe('TraceWriter: failures on the way', () => {
  it('retries a failed PATCH at the same offset on the next interval', async () => {
    const { gitlab, writer, tick } = await setUpTraceWriter();
    writer.start();
    writer.write('abc');
    gitlab.state.overrides.push(() => ({ status: 0, hangUp: true }));
    await tick(3000);
    expect(gitlab.state.storedLength).toBe(0);
    await tick(3000);
    expect(gitlab.state.patchRanges).toEqual(['0-2']);
    expect(gitlab.storedText()).toBe('abc');
    await writer.finish();
  });

  it('logs a client that throws by error name and code only: no message, token or credentials', async () => {
    let threw = false;
    const throwOnce = (real: GitlabClient): TraceWriterOptions['client'] => ({
      keepAlive: (...args) => real.keepAlive(...args),
      patchTrace: (...args) => {
        if (threw) {
          return real.patchTrace(...args);
        }
        threw = true;
        const secretUrl = `https://ci:hunter2@gitlab.example/api/v4/jobs/7/trace?t=${jobTokenFixture}`;
        const error = Object.assign(new TypeError(`fetch failed: ${secretUrl}`), {
          code: 'ECONNRESET',
          cause: { token: jobTokenFixture, url: secretUrl },
        });
        return Promise.reject(error);
      },
    });
    const { gitlab, writer, tick, log } = await setUpTraceWriter({}, true, throwOnce);
    writer.start();
    writer.write('abc');
    await tick(3000);
    await tick(3000);
    expect(gitlab.storedText()).toBe('abc');
    const failed = log
      .lines()
      .split('\n')
      .filter(line => line.includes('trace update round failed'))
      .map(line => JSON.parse(line) as Record<string, unknown>);
    expect(failed).toEqual([
      // As everywhere else: `err` is the error's name, never the serialized object.
      expect.objectContaining({ level: 50, err: 'TypeError', code: 'ECONNRESET' }),
    ]);
    expect(log.lines()).not.toContain('hunter2');
    expect(log.lines()).not.toContain(jobTokenFixture);
    await writer.finish();
  });

  it('stops sending on 404 without aborting the job, and keeps counting the log', async () => {
    const { gitlab, writer, tick } = await setUpTraceWriter();
    writer.start();
    writer.write('abc');
    gitlab.state.overrides.push(() => ({ status: 404 }));
    await tick(3000);
    writer.write('def');
    expect(writer.bufferedBytes).toBe(0);
    const summary = await writer.finish();
    expect(writer.abortSignal.aborted).toBe(false);
    expect(summary).toMatchObject({
      bytesize: 6,
      sentBytes: 0,
      complete: false,
      stopped: undefined,
    });
    expect(gitlab.state.patchRanges).toEqual([]);
  });

  it('aborts when a keep-alive PUT is answered 403', async () => {
    const { gitlab, writer, clock } = await setUpTraceWriter({ forceSendIntervalMs: 6000 });
    writer.start();
    gitlab.state.overrides.push(() => ({ status: 403 }));
    const aborted = new Promise(resolve => {
      writer.abortSignal.addEventListener('abort', resolve);
    });
    for (let i = 0; i < 2; i++) {
      await clock.waitForSleepers(1);
      clock.advance(3000);
    }
    await aborted;
    expect(writer.abortSignal.reason).toMatchObject({ reason: 'forbidden', status: 403 });
    await writer.finish();
  });
});
