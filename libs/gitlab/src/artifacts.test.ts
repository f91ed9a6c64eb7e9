import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { uploadBaseUrlAfterRedirect } from './artifacts';
import { GitlabClient } from './client';
import { captureLogger } from './testing/capture-logger';
import { testRunnerInfo } from './testing/fixtures';
import { ManualClock } from './testing/manual-clock';
import { startScriptedServer } from './testing/scripted-server';
import type { ScriptedServer } from './testing/scripted-server';

const servers: ScriptedServer[] = [];
let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gitlab-artifacts-'));
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map(s => s.close()));
  await rm(dir, { recursive: true, force: true });
});

describe('uploadBaseUrlAfterRedirect (GitLab Runner: the Location without path and query)', () => {
  it.each<[string, string | undefined]>([
    ['https://storage.example:9000/bucket/key?X-Amz-Signature=abc', 'https://storage.example:9000'],
    ['http://127.0.0.1:4567/api/v4/jobs/1/artifacts', 'http://127.0.0.1:4567'],
    ['', undefined],
    ['/relative/path', undefined],
    ['ftp://files.example/x', undefined],
  ])('%s', (location, expected) => {
    expect(uploadBaseUrlAfterRedirect(location)).toBe(expected);
  });
});

describe('uploadArtifact and a 307', () => {
  function client(url: string): GitlabClient {
    const log = captureLogger();
    return new GitlabClient({
      url,
      logger: log.logger,
      runnerInfo: testRunnerInfo,
      clock: new ManualClock(Date.UTC(2026, 0, 1), { autoAdvance: true }),
    });
  }

  it('does not follow it, reports where to go, and sends there when told', async () => {
    const storage = await startScriptedServer(() => ({ status: 201, json: {} }));
    servers.push(storage);
    const gitlab = await startScriptedServer(() => ({
      status: 307,
      headers: { Location: `${storage.url}/bucket/key?sig=1` },
    }));
    servers.push(gitlab);
    const filePath = join(dir, 'a.zip');
    await writeFile(filePath, 'zip bytes');
    const input = { filePath, fileName: 'a.zip', type: 'archive', format: 'zip', expireIn: '' };
    const api = client(gitlab.url);
    const redirected = await api.uploadArtifact(5, 'glcbt-job', input);
    expect(redirected).toMatchObject({
      kind: 'redirected',
      status: 307,
      location: `${storage.url}/bucket/key?sig=1`,
      gitlabUrl: storage.url,
      statusText: '307 Temporary Redirect',
    });
    expect(storage.requests).toHaveLength(0);
    const created = await api.uploadArtifact(5, 'glcbt-job', { ...input, gitlabUrl: storage.url });
    expect(created.kind).toBe('created');
    expect(storage.requests.map(r => [r.path, r.query.get('artifact_type')])).toEqual([
      ['/api/v4/jobs/5/artifacts', 'archive'],
    ]);
    expect(storage.requests[0]?.headers['job-token']).toBe('glcbt-job');
    expect(storage.requests[0]?.body.toString()).toContain('zip bytes');
  });

  it('treats a 307 without a usable Location as a failed upload', async () => {
    const gitlab = await startScriptedServer(() => ({ status: 307 }));
    servers.push(gitlab);
    const filePath = join(dir, 'b.zip');
    await writeFile(filePath, 'zip');
    const api = client(gitlab.url);
    const result = await api.uploadArtifact(5, 'glcbt-job', {
      filePath,
      fileName: 'b.zip',
      type: 'archive',
      format: 'zip',
      expireIn: '',
    });
    expect(result.kind).toBe('failed');
  });
});
