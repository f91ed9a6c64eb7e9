// `taskfleet run all` stopped by SIGTERM while a job runs: it takes no further job, logs how
// many run and the deadline, lets a job that ends within shutdown_timeout succeed, and aborts
// one that does not as runner_system_failure with a log line saying so, its slot released and
// nothing left running in GitLab; the process exits 0 either way. A second SIGTERM during the
// drain exits at once and leaves no transfer temp dir behind.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { demoConfigToml } from '@taskfleet/cli';
import type { DemoWorld } from '@taskfleet/cli';
import { loadConfig } from '@taskfleet/config';
import { sameStopWindowMs } from '@taskfleet/emulator-launcher';
import { runnerKeyFor } from '@taskfleet/job-queue';
import { createRegistry } from '@taskfleet/registry';
import type { Registry } from '@taskfleet/registry';
import type { Redis } from 'ioredis';
import { pino } from 'pino';

import { startTaskfleetRun, until } from './support/taskfleet-processes';
import type { TaskfleetProcess } from './support/taskfleet-processes';
import { jsonLogLines, startRunWorld } from './support/run-world';
import type { RunWorld } from './support/run-world';

jest.setTimeout(150_000);

const keyPrefix = `it-stop-${process.pid}-${randomBytes(3).toString('hex')}`;
const finalStatuses = new Set(['success', 'failed', 'canceled']);

interface LogLine {
  readonly msg?: string;
  readonly [field: string]: unknown;
}

function logLines(child: TaskfleetProcess): LogLine[] {
  return jsonLogLines<LogLine>(child);
}

describe('taskfleet run: bounded shutdown on SIGTERM', () => {
  let run: RunWorld;
  let world: DemoWorld;
  let workDir: string;
  let redis: Redis;
  let registry: Registry | undefined;
  const children: TaskfleetProcess[] = [];

  beforeAll(async () => {
    run = await startRunWorld({ keyPrefix, workDirPrefix: 'it-stop-', children });
    ({ world, redis, workDir } = run);
  });

  afterAll(async () => {
    await run.close();
  });

  function registryOf(): Registry {
    if (registry === undefined) {
      throw new Error('no process started yet');
    }
    return registry;
  }

  /** Writes a config with this shutdown_timeout and a private TMPDIR, starts `run all`. */
  async function start(name: string, shutdownTimeoutS: number) {
    const configPath = join(workDir, `${name}.toml`);
    const toml = demoConfigToml({
      world,
      redisUrl: 'redis://127.0.0.1:6379',
      keyPrefix,
      logLevel: 'info',
    }).replace(/shutdown_timeout = \d+/, `shutdown_timeout = ${shutdownTimeoutS}`);
    expect(toml).toContain(`shutdown_timeout = ${shutdownTimeoutS}`);
    await writeFile(configPath, toml);
    const { config } = await loadConfig(configPath);
    const runner = config.runners[0];
    if (runner === undefined) {
      throw new Error('no runner in the demo config');
    }
    registry ??= createRegistry({
      redis,
      keyPrefix,
      runnerKey: runnerKeyFor(runner),
      logger: pino({ level: 'silent' }),
    });
    // The transfer temp dirs go here, where the test can see what is left.
    const tempDir = join(workDir, `${name}-tmp`);
    await mkdir(tempDir);
    const child = startTaskfleetRun('all', configPath, { ...process.env, TMPDIR: tempDir });
    children.push(child);
    return { child, tempDir };
  }

  /** A one-job pipeline running `script`; resolves with the job's id once its log has `marker`. */
  async function runningJob(script: readonly string[], marker: string): Promise<number> {
    const sourceDir = join(workDir, `project-${randomBytes(3).toString('hex')}`);
    await mkdir(sourceDir);
    const lines = script.map(line => `    - ${JSON.stringify(line)}`).join('\n');
    await writeFile(join(sourceDir, '.gitlab-ci.yml'), `job:\n  script:\n${lines}\n`);
    const project = await world.gitlab.admin.createProject({
      path: `it/stop-${randomBytes(3).toString('hex')}`,
      sourceDir,
    });
    const pipeline = await world.gitlab.admin.createPipeline(project.id);
    const jobId = world.gitlab.admin.getPipeline(pipeline.id).jobs[0]?.id;
    if (jobId === undefined) {
      throw new Error('the pipeline has no job');
    }
    await until(
      'the job script running',
      () => world.gitlab.admin.getTrace(jobId).includes(marker),
      60_000,
      100,
    );
    return jobId;
  }

  it('lets a job that ends within shutdown_timeout succeed, then exits 0', async () => {
    const { child } = await start('short', 60);
    const jobId = await runningJob(
      ['echo short-job-started', 'sleep 8', 'echo short-job-done'],
      'short-job-started',
    );
    // Still running when the signal comes.
    expect(world.gitlab.admin.getTrace(jobId)).not.toContain('short-job-done');
    child.process.kill('SIGTERM');
    const code = await child.exited;

    expect(code).toBe(0);
    const job = world.gitlab.admin.getJob(jobId);
    expect([job.status, job.failureReason ?? null]).toEqual(['success', null]);
    expect(world.gitlab.admin.getTrace(jobId)).toContain('short-job-done');
    const lines = logLines(child);
    expect(lines.find(l => l.msg === 'draining running jobs')).toMatchObject({
      runningJobs: 1,
      shutdownTimeoutMs: 60_000,
      deadline: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
    });
    expect(lines.filter(l => l.msg === 'aborting running jobs')).toEqual([]);
    expect((await registryOf().snapshot()).claimedSlots).toBe(0);
  });

  it('aborts a job that outlives shutdown_timeout as a system failure and frees its slot', async () => {
    const { child, tempDir } = await start('long', 2);
    const jobId = await runningJob(['echo long-job-started', 'sleep 600'], 'long-job-started');
    expect((await registryOf().snapshot()).claimedSlots).toBe(1);
    child.process.kill('SIGTERM');
    // Bounded: the limit, the abort and one final update; far below the job's own 600 s.
    await until(
      'the process exited',
      () => child.process.exitCode !== null || child.process.signalCode !== null,
      60_000,
      100,
    );
    const code = await child.exited;

    expect(code).toBe(0);
    const job = world.gitlab.admin.getJob(jobId);
    expect([job.status, job.failureReason]).toEqual(['failed', 'runner_system_failure']);
    expect(world.gitlab.admin.getTrace(jobId)).toContain(
      'ERROR: Job failed (system failure): aborted: the executor shut down (SIGTERM) and the job ' +
        'did not end within shutdown_timeout (2s)',
    );
    const snapshot = await registryOf().snapshot();
    expect([snapshot.claimedSlots, snapshot.pendingJobs]).toEqual([0, 0]);
    const lines = logLines(child);
    expect(lines.find(l => l.msg === 'draining running jobs')).toMatchObject({
      runningJobs: 1,
      shutdownTimeoutMs: 2_000,
    });
    expect(
      lines.find(l => l.msg === 'shutdown timeout passed: aborting running jobs'),
    ).toMatchObject({ abortedJobs: 1 });
    expect(await readdir(tempDir)).toEqual([]);
  });

  it('exits at once on a second SIGTERM and removes its transfer temp dirs', async () => {
    const { child, tempDir } = await start('twice', 60);
    // Every running job holds a transfer temp dir (artifacts, cache) until it ends.
    const jobId = await runningJob(['echo twice-job-started', 'sleep 600'], 'twice-job-started');
    const held = await readdir(tempDir);
    child.process.kill('SIGTERM');
    // A wrapper forwarding the group's SIGTERM again: the same stop, the drain goes on.
    await new Promise(resolve => setTimeout(resolve, 50));
    child.process.kill('SIGTERM');
    await until(
      'the drain begun',
      () => child.stderr.includes('draining running jobs'),
      20_000,
      50,
    );
    expect(child.process.exitCode).toBeNull();
    // A child process has no clock to inject: past the 1 s window on real time.
    await new Promise(resolve => setTimeout(resolve, sameStopWindowMs + 200));
    expect(child.process.exitCode).toBeNull();
    child.process.kill('SIGTERM');
    const code = await child.exited;

    expect(code).toBe(128 + 15);
    expect(held.filter(name => name.startsWith('taskfleet-transfer-'))).toHaveLength(1);
    expect(await readdir(tempDir)).toEqual([]);
    expect(child.stderr).toContain('second stop signal: exiting at once');
    // The job is left to recovery, as after a crash; it is not reported by this process.
    expect(finalStatuses.has(world.gitlab.admin.getJob(jobId).status)).toBe(false);
  });
});
