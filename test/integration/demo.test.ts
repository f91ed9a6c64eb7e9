// `taskfleet demo --project … --json` as a user runs it: a child process with both emulators,
// real sshd instances, real Redis and the three services in-process, scaling from zero and back.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');
const projectDir = join(root, 'examples', 'pipelines', 'multi-stage');
const demoBoundMs = 240_000;

jest.setTimeout(demoBoundMs + 20_000);

interface DemoJob {
  name: string;
  stage: string;
  status: string;
  failure_reason: string | null;
  exit_code: number | null;
  log: string;
}

describe('taskfleet demo --project examples/pipelines/multi-stage --json', () => {
  let document: { pipeline: { status: string }; jobs: DemoJob[] };
  let stderr: string;

  beforeAll(async () => {
    const result = await run(
      process.execPath,
      [
        join(root, 'cli', 'dist', 'main.js'),
        'demo',
        '--project',
        projectDir,
        '--json',
        '--timeout',
        String(demoBoundMs / 1000 - 10),
      ],
      { timeout: demoBoundMs, maxBuffer: 16 * 1024 * 1024 },
    );
    stderr = result.stderr;
    document = JSON.parse(result.stdout) as typeof document;
  });

  it('ends every job as expected.json says', async () => {
    const expected = JSON.parse(
      await readFile(join(projectDir, 'expected.json'), 'utf8'),
    ) as Record<string, { status: string; failure_reason?: string; exit_code?: number }>;
    expect(document.pipeline.status).toBe('failed');
    expect(document.jobs.map(j => j.name).sort()).toEqual(Object.keys(expected).sort());
    for (const job of document.jobs) {
      const want = expected[job.name];
      expect({
        name: job.name,
        status: job.status,
        reason: job.failure_reason,
        exit: job.exit_code,
      }).toEqual({
        name: job.name,
        status: want?.status,
        reason: want?.failure_reason ?? null,
        exit: want?.exit_code ?? null,
      });
    }
  });

  it('cloned the project over git and ran script then after_script', () => {
    const build = document.jobs.find(j => j.name === 'build');
    expect(build?.stage).toBe('build');
    expect(build?.log).toContain('this line was cloned over git smart HTTP');
    expect(build?.log).toContain('hello, building demo-artifact');
    expect(build?.log).toContain('after build (success)');
    const flaky = document.jobs.find(j => j.name === 'flaky-check');
    expect(flaky?.log).toContain('after flaky-check (failed)');
    expect(flaky?.log).toContain('ERROR: Job failed: exit code 3');
  });

  it('never shows the masked value in any log, nor in its own output', () => {
    expect(document.jobs.find(j => j.name === 'build')?.log).toContain('the secret is [MASKED]');
    for (const job of document.jobs) {
      expect(job.log).not.toContain('DemoSecret4242');
    }
    expect(stderr).not.toContain('DemoSecret4242');
  });

  it('reported the fleet back at zero', () => {
    expect(stderr).toContain('waiting for the fleet to return to zero instances');
  });
});

describe('taskfleet demo without Redis', () => {
  it('says Redis does not answer, exits 1 and starts nothing', async () => {
    const failure = (await run(
      process.execPath,
      [join(root, 'cli', 'dist', 'main.js'), 'demo', '--redis-url', 'redis://127.0.0.1:1'],
      { timeout: 20_000 },
    ).then(
      () => undefined,
      (error: unknown) => error,
    )) as { code?: number; stdout?: string; stderr?: string } | undefined;
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(
      'could not reach redis at redis://127.0.0.1:1 (ECONNREFUSED)',
    );
    expect(failure?.stdout).toBe('');
  });
});

describe('taskfleet demo --project with an invalid .gitlab-ci.yml', () => {
  it('names the YAML problem and its line, exits 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'taskfleet-demo-bad-yaml-'));
    try {
      await writeFile(join(dir, '.gitlab-ci.yml'), 'job:\n  script: [echo hi\n  stage: test\n');
      const failure = (await run(
        process.execPath,
        [join(root, 'cli', 'dist', 'main.js'), 'demo', '--project', dir, '--timeout', '60'],
        { timeout: 60_000 },
      ).then(
        () => undefined,
        (error: unknown) => error,
      )) as { code?: number; stderr?: string } | undefined;
      expect(failure?.code).toBe(1);
      expect(failure?.stderr).toContain(
        `could not create pipeline ${basename(dir)}: invalid .gitlab-ci.yml`,
      );
      expect(failure?.stderr).toMatch(/at line 3 column \d+/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
