// `taskfleet sandbox` as README's by-hand recipe uses it: the sandbox process writes a config,
// a separate `taskfleet run all` process serves it, and a pipeline made through the GitLab
// emulator's admin API runs to success on a real sshd instance.
import { execFile, spawn } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { Redis } from 'ioredis';

import { killTaskfleetRuns, startTaskfleetRun, until } from './support/taskfleet-processes';
import type { TaskfleetProcess } from './support/taskfleet-processes';

const execFileAsync = promisify(execFile);
const cliMain = join(__dirname, '..', '..', 'cli', 'dist', 'main.js');

interface SandboxLine {
  config: string;
  gitlab: { admin: string };
  keyPrefix: string;
}

async function adminCall(base: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`${path}: ${response.status} ${text}`);
  }
  return text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text;
}

describe('taskfleet sandbox with taskfleet run all in another process', () => {
  let dir: string;
  let sandbox: ReturnType<typeof spawn>;
  let sandboxExit: Promise<number | null>;
  let runs: TaskfleetProcess[] = [];
  let line: SandboxLine;
  const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'taskfleet-sandbox-test-'));
    await redis.connect();
    sandbox = spawn(process.execPath, [cliMain, 'sandbox', '--config-out', join(dir, 'c.toml')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    sandboxExit = new Promise(resolve =>
      sandbox.once('exit', code => {
        resolve(code);
      }),
    );
    let stdout = '';
    line = await new Promise<SandboxLine>((resolve, reject) => {
      sandbox.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        const newline = stdout.indexOf('\n');
        if (newline >= 0) {
          resolve(JSON.parse(stdout.slice(0, newline)) as SandboxLine);
        }
      });
      sandbox.once('exit', code => {
        reject(new Error(`sandbox exited with ${String(code)}`));
      });
    });
  });

  afterAll(async () => {
    await killTaskfleetRuns(runs);
    if (sandbox.exitCode === null && sandbox.signalCode === null) {
      sandbox.kill('SIGKILL');
    }
    await sandboxExit;
    await redis.quit();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a config that taskfleet check accepts for the sandbox group', async () => {
    const { stdout } = await execFileAsync(process.execPath, [
      cliMain,
      'check',
      '--config',
      line.config,
    ]);
    expect(stdout).toMatch(/: ok$/m);
  });

  it('runs a pipeline made through the admin API, then cleans up on Ctrl-C', async () => {
    runs = [startTaskfleetRun('all', line.config)];
    const project = join(dir, 'project');
    await rm(project, { recursive: true, force: true });
    await execFileAsync('mkdir', ['-p', project]);
    await writeFile(
      join(project, '.gitlab-ci.yml'),
      'hello:\n  script: [echo hello-from-sandbox]\n',
    );
    const created = (await adminCall(line.gitlab.admin, '/projects', {
      path: 'me/sandbox',
      sourceDir: project,
    })) as { id: number };
    const pipeline = (await adminCall(
      line.gitlab.admin,
      `/projects/${created.id}/pipelines`,
      {},
    )) as { id: number; jobs: { id: number }[] };
    let status = '';
    await until(
      'the pipeline finished',
      async () => {
        status = (
          (await adminCall(line.gitlab.admin, `/pipelines/${pipeline.id}`)) as { status: string }
        ).status;
        return ['success', 'failed', 'canceled'].includes(status);
      },
      90_000,
      500,
    );
    expect(status).toBe('success');
    const jobId = pipeline.jobs[0]?.id ?? 0;
    expect(await adminCall(line.gitlab.admin, `/jobs/${jobId}/trace`)).toContain(
      'hello-from-sandbox',
    );

    const run = runs[0];
    run?.process.kill('SIGTERM');
    expect(await run?.exited).toBe(0);
    sandbox.kill('SIGINT');
    expect(await sandboxExit).toBe(0);
    await expect(access(line.config)).rejects.toThrow();
    expect(await redis.keys(`*${line.keyPrefix}*`)).toEqual([]);
  });
});
