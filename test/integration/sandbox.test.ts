// `taskfleet sandbox` as README's by-hand recipe uses it: the sandbox process writes a config,
// a separate `taskfleet run all` process serves it, and a pipeline made through the GitLab
// emulator's admin API runs to success on a real sshd instance.
import { execFile, spawn } from 'node:child_process';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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

describe('taskfleet sandbox --config-out on a path it must not take', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'taskfleet-sandbox-refuse-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function sandboxFailure(configOut: string): Promise<{ code?: number; stderr?: string }> {
    return execFileAsync(process.execPath, [cliMain, 'sandbox', '--config-out', configOut], {
      timeout: 20_000,
    }).then(
      () => ({}),
      (error: unknown) => error as { code?: number; stderr?: string },
    );
  }

  it('refuses an existing file and leaves it as it was', async () => {
    const existing = join(dir, 'config.toml');
    await writeFile(existing, 'keep me\n');
    const failure = await sandboxFailure(existing);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain(`could not write --config-out ${existing}: it exists already`);
    expect(await readFile(existing, 'utf8')).toBe('keep me\n');
  });

  it('names the missing directory', async () => {
    const failure = await sandboxFailure(join(dir, 'no-such-dir', 'c.toml'));
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain(`the directory ${join(dir, 'no-such-dir')} does not exist`);
  });
});
