// `taskfleet run poller|scaler|executor` as separate processes (two executors) on one config:
// the example pipeline ends as expected.json says, the fleet scales from zero and back, and
// each process stops cleanly (exit 0) on SIGTERM.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { demoConfigToml, readExpectation, readVariables, startDemoWorld } from '@taskfleet/cli';
import type { DemoWorld } from '@taskfleet/cli';
import { Redis } from 'ioredis';
import { pino } from 'pino';

jest.setTimeout(180_000);

const root = join(__dirname, '..', '..');
const projectDir = join(root, 'examples', 'pipelines', 'multi-stage');
const keyPrefix = `it-run-${process.pid}-${randomBytes(3).toString('hex')}`;
const finalStatuses = new Set(['success', 'failed', 'canceled', 'skipped']);

async function until(what: string, check: () => Promise<boolean> | boolean, boundMs: number) {
  const deadline = Date.now() + boundMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`${what} not reached within ${boundMs} ms`);
    }
    await new Promise(resolve => setTimeout(resolve, 250));
  }
}

interface Child {
  readonly role: string;
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;
  stderr: string;
}

describe('taskfleet run: poller, scaler and two executors as processes', () => {
  let world: DemoWorld;
  let configDir: string;
  let redis: Redis;
  const children: Child[] = [];

  beforeAll(async () => {
    world = await startDemoWorld(pino({ level: 'silent' }));
    redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
    configDir = await mkdtemp(join(tmpdir(), 'it-run-config-'));
    const configPath = join(configDir, 'config.toml');
    // debug, so the log-line check at the end sees every kind of line the services write.
    const toml = demoConfigToml({
      world,
      redisUrl: 'redis://127.0.0.1:6379',
      keyPrefix,
      logLevel: 'debug',
    });
    await writeFile(configPath, toml);
    for (const role of ['executor', 'executor', 'scaler', 'poller']) {
      const child = spawn(
        process.execPath,
        [
          '--no-warnings',
          join(root, 'cli', 'dist', 'main.js'),
          'run',
          role,
          '--config',
          configPath,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      const entry: Child = {
        role,
        process: child,
        stderr: '',
        exited: new Promise(resolve => {
          child.once('exit', code => {
            resolve(code);
          });
        }),
      };
      child.stderr.on('data', (chunk: Buffer) => {
        entry.stderr += chunk.toString('utf8');
      });
      children.push(entry);
    }
  });

  afterAll(async () => {
    for (const child of children) {
      if (child.process.exitCode === null) {
        child.process.kill('SIGKILL');
      }
    }
    await Promise.all(children.map(c => c.exited));
    await world.close();
    const keys = await redis.keys(`*${keyPrefix}*`);
    if (keys.length > 0) {
      await redis.del(...keys);
    }
    await redis.quit();
    await rm(configDir, { recursive: true, force: true });
  });

  it('runs the example pipeline, returns to zero instances and stops on SIGTERM', async () => {
    const project = await world.gitlab.admin.createProject({
      path: `it/run-${randomBytes(3).toString('hex')}`,
      sourceDir: projectDir,
    });
    for (const variable of await readVariables(join(projectDir, 'variables.json'))) {
      world.gitlab.admin.setVariable(project.id, variable);
    }
    const pipeline = await world.gitlab.admin.createPipeline(project.id);
    let maxMembers = 0;
    await until(
      'pipeline end',
      async () => {
        maxMembers = Math.max(maxMembers, await world.groupMemberCount());
        return finalStatuses.has(world.gitlab.admin.getPipeline(pipeline.id).status);
      },
      120_000,
    );
    const expected = await readExpectation(join(projectDir, 'expected.json'));
    const jobs = world.gitlab.admin.getPipeline(pipeline.id).jobs.map(j => {
      const job = world.gitlab.admin.getJob(j.id);
      return {
        name: j.name,
        status: job.status,
        failure_reason: job.failureReason ?? null,
        exit_code: job.exitCode ?? null,
        trace: world.gitlab.admin.getTrace(j.id),
        checksumMatches: job.finalUpdate?.checksum === job.traceChecksum,
      };
    });
    for (const job of jobs) {
      const want = expected[job.name];
      expect([job.name, job.status, job.failure_reason, job.exit_code]).toEqual([
        job.name,
        want?.status,
        want?.failure_reason ?? null,
        want?.exit_code ?? null,
      ]);
      expect(job.trace).not.toContain('DemoSecret4242');
      expect(job.checksumMatches).toBe(true);
    }
    expect(maxMembers).toBeGreaterThanOrEqual(1);
    expect(maxMembers).toBeLessThanOrEqual(3);
    await until('empty fleet', async () => (await world.groupMemberCount()) === 0, 60_000);

    for (const child of children) {
      child.process.kill('SIGTERM');
    }
    const codes = await Promise.all(children.map(c => c.exited));
    expect(
      codes.map((code, i) => [children[i]?.role, code, children[i]?.stderr.includes('"level":50')]),
    ).toEqual(children.map(c => [c.role, 0, false]));
    // A key bound by a parent and a child logger appears twice in a line, which strict log
    // stores (Elasticsearch) refuse; re-serialising shows it, since JSON.parse keeps one.
    const lines = children.flatMap(c => c.stderr.split('\n').filter(l => l.startsWith('{')));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter(line => JSON.stringify(JSON.parse(line)) !== line)).toEqual([]);
  });
});
