import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  call,
  requestJob,
  startHarness,
  takeAndAck,
  updateJob,
  type Harness,
} from './testing/harness.test-support';

function upload(
  url: string,
  jobId: number,
  token: string,
  content: Buffer,
  query = '?artifact_format=zip&artifact_type=archive&expire_in=7%20days',
  redirect: 'follow' | 'manual' = 'follow',
) {
  const form = new FormData();
  form.append('file', new Blob([content]), 'artifacts.zip');
  return fetch(`${url}/api/v4/jobs/${jobId}/artifacts${query}`, {
    method: 'POST',
    headers: { 'JOB-TOKEN': token },
    body: form,
    redirect,
  });
}

describe('artifacts', () => {
  let h: Harness;
  let runnerToken: string;
  const zip = Buffer.from('PK\u0003\u0004 fake zip bytes');
  beforeEach(async () => {
    h = await startHarness();
    runnerToken = h.emulator.admin.createRunner({}).token;
  });
  afterEach(async () => h.close());

  it('a redirect fault answers 307 to the second listener, which stores the re-sent upload', async () => {
    await h.pipeline();
    const job = await takeAndAck(h, runnerToken);
    h.emulator.admin.addFault({
      method: 'POST',
      path: '/api/v4/jobs/*/artifacts',
      kind: 'redirect',
      count: 1,
    });
    const query = '?artifact_format=zip&artifact_type=archive';
    const first = await upload(h.emulator.url, job.jobId, job.jobToken, zip, query, 'manual');
    expect(first.status).toBe(307);
    const location = first.headers.get('location') ?? '';
    expect(location).toBe(`${h.emulator.redirectUrl}/api/v4/jobs/${job.jobId}/artifacts${query}`);
    const again = await upload(h.emulator.redirectUrl, job.jobId, job.jobToken, zip, query);
    expect(again.status).toBe(201);
    const log = h.emulator.admin
      .listRequests({ pathPrefix: `/api/v4/jobs/${job.jobId}/artifacts` })
      .map(r => [r.listener, r.status, r.fault]);
    expect(log).toEqual([
      ['api', 307, 'redirect'],
      ['redirect', 201, undefined],
    ]);
    expect(h.emulator.admin.getJob(job.jobId).artifacts).toHaveLength(1);
    expect(() =>
      h.emulator.admin.addFault({ path: '/x', kind: 'redirect', status: 500, count: 1 }),
    ).toThrow(/300-399/);
  });

  it('a redirect fault with a location answers it as given', async () => {
    await h.pipeline();
    const job = await takeAndAck(h, runnerToken);
    const location = `${h.emulator.redirectUrl}/object-storage/upload?X-Amz-Signature=abc`;
    h.emulator.admin.addFault({
      path: '/api/v4/jobs/*/artifacts',
      kind: 'redirect',
      location,
      count: 1,
    });
    const res = await fetch(`${h.emulator.url}/api/v4/jobs/${job.jobId}/artifacts`, {
      method: 'POST',
      headers: { 'JOB-TOKEN': job.jobToken },
      body: 'x',
      redirect: 'manual',
    });
    expect(res.status).toBe(307);
    expect(res.headers.get('location')).toBe(location);
  });

  it('stores an upload from the running job and lists it as a dependency in later payloads', async () => {
    await h.pipeline([{ name: 'build', stage: 'build' }, { name: 'test' }]);
    const build = await takeAndAck(h, runnerToken);
    const res = await upload(h.emulator.url, build.jobId, build.jobToken, zip);
    expect(res.status).toBe(201);
    expect(h.emulator.admin.getJob(build.jobId).artifacts).toEqual([
      {
        filename: 'artifacts.zip',
        size: zip.length,
        format: 'zip',
        type: 'archive',
        expireIn: '7 days',
      },
    ]);
    await updateJob(h.emulator, build.jobId, build.jobToken, { state: 'success' });
    const payload = (await requestJob(h.emulator, runnerToken)).json();
    expect(payload.dependencies).toEqual([
      {
        id: build.jobId,
        name: 'build',
        token: payload.token,
        artifacts_file: { filename: 'artifacts.zip', size: zip.length },
      },
    ]);
  });

  it('refuses uploads with a wrong token, for finished jobs and over the size limit', async () => {
    await h.pipeline();
    const job = await takeAndAck(h, runnerToken);
    expect((await upload(h.emulator.url, job.jobId, 'glcbt-wrong', zip)).status).toBe(403);
    await h.close();
    h = await startHarness({ artifactSizeLimitBytes: 4 });
    runnerToken = h.emulator.admin.createRunner({}).token;
    await h.pipeline();
    const small = await takeAndAck(h, runnerToken);
    expect((await upload(h.emulator.url, small.jobId, small.jobToken, zip)).status).toBe(413);
    expect(h.emulator.admin.getJob(small.jobId).artifacts).toEqual([]);
    await updateJob(h.emulator, small.jobId, small.jobToken, { state: 'success' });
    expect(
      (await upload(h.emulator.url, small.jobId, small.jobToken, Buffer.from('ab'))).status,
    ).toBe(403);
  });

  it('downloads with the token of a running job of the same project only', async () => {
    await h.pipeline([{ name: 'build', stage: 'build' }, { name: 'test' }]);
    const build = await takeAndAck(h, runnerToken);
    expect((await upload(h.emulator.url, build.jobId, build.jobToken, zip)).status).toBe(201);
    await updateJob(h.emulator, build.jobId, build.jobToken, { state: 'success' });
    const test = await takeAndAck(h, runnerToken);
    const url = `${h.emulator.url}/api/v4/jobs/${build.jobId}/artifacts`;
    const ok = await fetch(url, { headers: { 'JOB-TOKEN': test.jobToken } });
    expect(ok.status).toBe(200);
    expect(Buffer.from(await ok.arrayBuffer())).toEqual(zip);
    expect((await call(url, { method: 'GET' })).status).toBe(401);
    expect(
      (await call(url, { method: 'GET', headers: { 'JOB-TOKEN': build.jobToken } })).status,
    ).toBe(401);
    const noArchive = `${h.emulator.url}/api/v4/jobs/${test.jobId}/artifacts`;
    expect(
      (await call(noArchive, { method: 'GET', headers: { 'JOB-TOKEN': test.jobToken } })).status,
    ).toBe(404);

    const dir = await mkdtemp(join(tmpdir(), 'gitlab-other-'));
    await writeFile(join(dir, '.gitlab-ci.yml'), 'x:\n  script: [echo x]\n');
    const other = await h.emulator.admin.createProject({
      path: `other/project-${process.pid}`,
      sourceDir: dir,
    });
    await rm(dir, { recursive: true, force: true });
    await h.emulator.admin.createPipeline(other.id);
    const foreign = await takeAndAck(h, runnerToken);
    expect(
      (await call(url, { method: 'GET', headers: { 'JOB-TOKEN': foreign.jobToken } })).status,
    ).toBe(403);
  });
});
