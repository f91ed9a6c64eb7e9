import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { ManualClock, startGitlabEmulator, type GitlabEmulator } from '@taskfleet/emulator-gitlab';

import { expectJobPayloadShape } from './support/gitlab-payload-shape';

const run = promisify(execFile);
const gitEnv = {
  ...process.env,
  GIT_TERMINAL_PROMPT: '0',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
};

const ciYaml = `
stages: [build, test]
variables:
  GREETING: hello
build:
  stage: build
  script:
    - echo "$GREETING" > out.txt
  artifacts:
    paths: [out.txt]
unit:
  stage: test
  needs: [build]
  script: [cat out.txt]
  after_script: [echo done]
lint:
  stage: test
  script: [echo lint]
  allow_failure: true
`;

const info = {
  name: 'gitlab-runner',
  version: '19.4.0',
  features: { two_phase_job_commit: true, cancel_gracefully: true, trace_checksum: true },
  config: { gpus: '' },
};

interface Payload {
  id: number;
  token: string;
  job_info: { name: string };
  git_info: { repo_url: string; sha: string; refspecs: string[]; depth: number };
  variables: { key: string; value: string; masked?: boolean; file?: boolean }[];
  dependencies: {
    id: number;
    name: string;
    token: string;
    artifacts_file?: { filename: string; size: number };
  }[];
}

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

async function take(emulator: GitlabEmulator, runnerToken: string): Promise<Payload> {
  const res = await post(`${emulator.url}/api/v4/jobs/request`, {
    token: runnerToken,
    info,
    system_id: 's_000000000001',
  });
  expect(res.status).toBe(201);
  const payload = (await res.json()) as Payload;
  const ack = await fetch(`${emulator.url}/api/v4/jobs/${payload.id}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json', 'JOB-TOKEN': payload.token },
    body: JSON.stringify({ token: payload.token, state: 'running', info, output: {} }),
  });
  expect(ack.status).toBe(200);
  return payload;
}

async function finish(
  emulator: GitlabEmulator,
  job: Payload,
  state: 'success' | 'failed',
  exitCode?: number,
): Promise<void> {
  const res = await fetch(`${emulator.url}/api/v4/jobs/${job.id}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json', 'JOB-TOKEN': job.token },
    body: JSON.stringify({
      token: job.token,
      state,
      info,
      output: { checksum: 'crc32:00000000', bytesize: 0 },
      ...(state === 'failed' ? { failure_reason: 'script_failure', exit_code: exitCode } : {}),
    }),
  });
  expect(res.status).toBe(200);
}

describe('GitLab emulator: a pipeline from a real .gitlab-ci.yml', () => {
  let emulator: GitlabEmulator;
  let dir: string;
  beforeEach(async () => {
    emulator = await startGitlabEmulator({ clock: new ManualClock(), longPollTimeoutMs: 0 });
    dir = await mkdtemp(join(tmpdir(), 'emulator-gitlab-pipeline-'));
  });
  afterEach(async () => {
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('hands out payloads per the reference, serves the repository to the job token, derives the status', async () => {
    const source = join(dir, 'source');
    await run('mkdir', ['-p', source]);
    await writeFile(join(source, '.gitlab-ci.yml'), ciYaml);
    await writeFile(join(source, 'README.md'), '# widgets\n');
    const { admin } = emulator;
    const project = await admin.createProject({ path: 'acme/widgets', sourceDir: source });
    admin.setVariable(project.id, { key: 'DEPLOY_KEY', value: 's3cr3t-value-123', masked: true });
    admin.setVariable(project.id, { key: 'KUBECONFIG', value: 'kind: Config\n', file: true });
    const runner = admin.createRunner({ description: 'integration' });
    const pipeline = await admin.createPipeline(project.id, { ref: 'main' });
    expect(pipeline.jobs.map(j => [j.name, j.status])).toEqual([
      ['build', 'pending'],
      ['unit', 'created'],
      ['lint', 'created'],
    ]);

    const build = await take(emulator, runner.token);
    expectJobPayloadShape(build);
    expect(build.job_info.name).toBe('build');
    expect(build.git_info.sha).toBe(project.sha);
    const vars = new Map(build.variables.map(v => [v.key, v]));
    expect(vars.get('CI_JOB_TOKEN')).toMatchObject({ value: build.token, masked: true });
    expect(vars.get('DEPLOY_KEY')).toMatchObject({ value: 's3cr3t-value-123', masked: true });
    expect(vars.get('KUBECONFIG')).toMatchObject({ file: true });
    expect(vars.get('GREETING')?.value).toBe('hello');

    // Fetch the way gitlab-runner does: init, the payload's refspecs and depth, checkout of the sha.
    const checkout = join(dir, 'checkout');
    await run('git', ['init', '--quiet', checkout], { env: gitEnv });
    await run('git', ['-C', checkout, 'remote', 'add', 'origin', build.git_info.repo_url], {
      env: gitEnv,
    });
    const depth = build.git_info.depth > 0 ? ['--depth', String(build.git_info.depth)] : [];
    await run(
      'git',
      ['-C', checkout, 'fetch', '--quiet', 'origin', ...build.git_info.refspecs, ...depth],
      { env: gitEnv },
    );
    await run('git', ['-C', checkout, 'checkout', '--quiet', '-f', build.git_info.sha], {
      env: gitEnv,
    });
    expect(await readFile(join(checkout, 'README.md'), 'utf8')).toBe('# widgets\n');

    const form = new FormData();
    const zip = Buffer.from('PK\u0003\u0004 not really a zip');
    form.append('file', new Blob([zip]), 'artifacts.zip');
    const upload = await fetch(
      `${emulator.url}/api/v4/jobs/${build.id}/artifacts?artifact_format=zip&artifact_type=archive`,
      {
        method: 'POST',
        headers: { 'JOB-TOKEN': build.token },
        body: form,
      },
    );
    expect(upload.status).toBe(201);
    await finish(emulator, build, 'success');
    // The token authenticates git only while its job runs.
    await expect(
      run('git', ['-C', checkout, 'fetch', '--quiet', 'origin'], { env: gitEnv }),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining('HTTP Basic: Access denied'),
    });

    const second = await take(emulator, runner.token);
    const third = await take(emulator, runner.token);
    const unit = [second, third].find(p => p.job_info.name === 'unit')!;
    const lint = [second, third].find(p => p.job_info.name === 'lint')!;
    expectJobPayloadShape(unit);
    expect(unit.dependencies).toEqual([
      {
        id: build.id,
        name: 'build',
        token: unit.token,
        artifacts_file: { filename: 'artifacts.zip', size: zip.length },
      },
    ]);
    const download = await fetch(`${emulator.url}/api/v4/jobs/${build.id}/artifacts`, {
      headers: { 'JOB-TOKEN': unit.token },
    });
    expect(Buffer.from(await download.arrayBuffer())).toEqual(zip);

    await finish(emulator, lint, 'failed', 1);
    expect(admin.getPipeline(pipeline.id).status).toBe('running');
    await finish(emulator, unit, 'success');
    const done = admin.getPipeline(pipeline.id);
    expect(done.status).toBe('success');
    expect(done.jobs.map(j => [j.name, j.status])).toEqual([
      ['build', 'success'],
      ['unit', 'success'],
      ['lint', 'failed'],
    ]);
    expect(admin.getJob(lint.id)).toMatchObject({ failureReason: 'script_failure', exitCode: 1 });
  });
});
