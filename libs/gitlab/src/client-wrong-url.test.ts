import { GitlabClient } from './client';
import { captureLogger } from './testing/capture-logger';
import { runnerTokenFixture, testRunnerInfo } from './testing/fixtures';
import { ManualClock } from './testing/manual-clock';
import { startScriptedServer } from './testing/scripted-server';
import type { ScriptedServer } from './testing/scripted-server';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The lines of `text` whose message is `msg`, parsed. */
function linesWith(text: string, msg: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter(line => line !== '')
    .map(line => JSON.parse(line) as Record<string, unknown>)
    .filter(entry => entry.msg === msg);
}

describe('requestJob against a url that is not GitLab', () => {
  it('logs the 404 with the address and the path asked, never userinfo or token', async () => {
    server = await startScriptedServer(() => ({ status: 404, body: '<html>Not Found</html>' }));
    const log = captureLogger();
    const base = new URL(server.url);
    const client = new GitlabClient({
      url: `http://deploy:hunter2@${base.host}/intranet/`,
      logger: log.logger,
      runnerInfo: testRunnerInfo,
      clock: new ManualClock(Date.UTC(2026, 0, 1), { autoAdvance: true }),
    });
    expect(await client.requestJob({ token: runnerTokenFixture })).toMatchObject({
      kind: 'error',
      error: { code: 'not_found', status: 404 },
    });
    const lines = linesWith(log.lines(), 'job request failed: no gitlab runner api at this url');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        status: 404,
        code: 'not_found',
        url: base.origin,
        requestUrl: `${base.origin}/intranet/api/v4/jobs/request`,
      }),
    ]);
    expect(log.lines()).not.toContain(runnerTokenFixture);
    expect(log.lines()).not.toContain('hunter2');
  });

  it('names the address on any other failed status too', async () => {
    server = await startScriptedServer(() => ({ status: 400 }));
    const log = captureLogger();
    const client = new GitlabClient({
      url: server.url,
      logger: log.logger,
      runnerInfo: testRunnerInfo,
      clock: new ManualClock(Date.UTC(2026, 0, 1), { autoAdvance: true }),
    });
    await client.requestJob({ token: runnerTokenFixture });
    expect(linesWith(log.lines(), 'job request failed')).toEqual([
      expect.objectContaining({ status: 400, url: new URL(server.url).origin }),
    ]);
  });
});
