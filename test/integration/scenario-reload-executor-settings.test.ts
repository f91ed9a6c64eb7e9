// SIGHUP reaches the executors too: `taskfleet run all` runs a job with the runner's
// `environment`, the file changes the variable and the process gets SIGHUP, and the next job
// sees the new value, without a restart (the process and its intake stay up).
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { demoConfigToml, startDemoWorld } from '@taskfleet/cli';
import type { DemoWorld } from '@taskfleet/cli';
import { Redis } from 'ioredis';
import { pino } from 'pino';

import { findFreePort } from './support/free-port';
import { killTaskfleetRuns, startTaskfleetRun, until } from './support/taskfleet-processes';
import type { TaskfleetProcess } from './support/taskfleet-processes';
import { scrape, valueOf } from './support/telemetry-scrape';

jest.setTimeout(60_000);

const keyPrefix = `it-reload-ex-${process.pid}-${randomBytes(3).toString('hex')}`;

describe('config reload applies new executor settings', () => {
  let world: DemoWorld;
  let workDir: string;
  let redis: Redis;
  let child: TaskfleetProcess | undefined;

  beforeAll(async () => {
    world = await startDemoWorld(pino({ level: 'silent' }));
    redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
    workDir = await mkdtemp(join(tmpdir(), 'it-reload-ex-'));
  });

  afterAll(async () => {
    await killTaskfleetRuns(child === undefined ? [] : [child]);
    await world.close();
    const keys = await redis.keys(`*${keyPrefix}*`);
    if (keys.length > 0) {
      await redis.del(...keys);
    }
    await redis.quit();
    await rm(workDir, { recursive: true, force: true });
  });

  async function runJob(name: string): Promise<string> {
    const sourceDir = join(workDir, name);
    await mkdir(sourceDir);
    await writeFile(
      join(sourceDir, '.gitlab-ci.yml'),
      `${name}:\n  script:\n    - echo "mark is $TF_MARK"\n`,
    );
    const project = await world.gitlab.admin.createProject({
      path: `it/${name}-${randomBytes(3).toString('hex')}`,
      sourceDir,
    });
    const pipeline = await world.gitlab.admin.createPipeline(project.id);
    await until(
      `${name} finished`,
      () => ['success', 'failed'].includes(world.gitlab.admin.getPipeline(pipeline.id).status),
      30_000,
    );
    const [job] = world.gitlab.admin.getPipeline(pipeline.id).jobs;
    expect(job?.status).toBe('success');
    return world.gitlab.admin.getTrace(job?.id ?? 0);
  }

  it('runs the next job with the environment of the reloaded file', async () => {
    const port = await findFreePort();
    const configPath = join(workDir, 'config.toml');
    const base = demoConfigToml({ world, redisUrl: 'redis://127.0.0.1:6379', keyPrefix }).replace(
      /log_level = "warn"\n/,
      `log_level = "warn"\nlisten_address = "127.0.0.1:${port}"\n`,
    );
    const withMark = (mark: string): string =>
      base.replace(/( *)request_concurrency = 2\n/, `$&$1environment = ["TF_MARK=${mark}"]\n`);
    expect(withMark('x')).toContain('environment = ["TF_MARK=x"]');
    await writeFile(configPath, withMark('before'));
    child = startTaskfleetRun('all', configPath);

    expect(await runJob('first')).toContain('mark is before');

    await writeFile(configPath, withMark('after'));
    child.process.kill('SIGHUP');
    await until(
      'the reload applied',
      async () => valueOf(await scrape(port), 'taskfleet_config_reloads_total') === 1,
      10_000,
      100,
    );
    expect(await runJob('second')).toContain('mark is after');
    expect(child.process.exitCode).toBeNull();
  });
});
