// B48: a config reload (SIGHUP) keeps the intake loop and the planner. A warm pool of 3, then
// the idle count changes: the poller keeps polling, the scaler follows the new idle count with
// the same single planner, and the liveness endpoint shows the last successful poll. A bad
// config on reload is refused whole: the old config stays, every problem is logged, a counter
// rises.
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
import { getJson, scrape, valueOf } from './support/telemetry-scrape';

jest.setTimeout(90_000);

const keyPrefix = `it-b48-${process.pid}-${randomBytes(3).toString('hex')}`;
const checkIntervalMs = 1_000;

function configWith(base: string, idleSlots: number): string {
  return base.replace(/idle_count = 0\n/, `idle_count = ${idleSlots}\n`);
}

describe('B48 config reload keeps the intake loop and one planner', () => {
  let world: DemoWorld;
  let workDir: string;
  let configPath: string;
  let baseToml: string;
  let port: number;
  let redis: Redis;
  let child: TaskfleetProcess;

  beforeAll(async () => {
    world = await startDemoWorld(pino({ level: 'silent' }));
    redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
    workDir = await mkdtemp(join(tmpdir(), 'it-b48-'));
    configPath = join(workDir, 'config.toml');
    port = await findFreePort();
    // capacity_per_instance 2 and max_instances 3: 6 idle slots is a warm pool of 3 instances.
    baseToml = demoConfigToml({ world, redisUrl: 'redis://127.0.0.1:6379', keyPrefix })
      .replace(/log_level = "warn"\n/, `log_level = "warn"\nlisten_address = "127.0.0.1:${port}"\n`)
      .replace(/idle_time = "5s"/, 'idle_time = "1s"');
    expect(baseToml).toContain('check_interval = 1\n');
    await writeFile(configPath, configWith(baseToml, 6));
    child = startTaskfleetRun('all', configPath);
  });

  afterAll(async () => {
    await killTaskfleetRuns([child]);
    await world.close();
    const keys = await redis.keys(`*${keyPrefix}*`);
    if (keys.length > 0) {
      await redis.del(...keys);
    }
    await redis.quit();
    await rm(workDir, { recursive: true, force: true });
  });

  const jobRequests = () =>
    world.gitlab.admin
      .listRequests({ method: 'POST', pathPrefix: '/api/v4/jobs/request' })
      .map(r => r.receivedAtMs);
  const readyInstances = async () =>
    valueOf(await scrape(port), 'fleeting_provisioner_instances', { state: 'ready' });

  it('follows a new idle count without a restart, polling on, with one planner', async () => {
    await until('a warm pool of 3', async () => (await readyInstances()) === 3, 15_000, 200);
    const group = { group: world.groupName };
    const before = await scrape(port);
    expect(valueOf(before, 'fleeting_taskscaler_desired_instances', group)).toBe(3);
    expect(valueOf(before, 'fleeting_taskscaler_tasks', { state: 'idle' })).toBe(6);
    expect(valueOf(before, 'taskfleet_idle_target_slots', group)).toBe(6);
    expect(valueOf(before, 'taskfleet_scaler_planners', group)).toBe(1);
    expect(valueOf(before, 'taskfleet_desired_capacity', group)).toBe(3);
    expect(valueOf(before, 'taskfleet_desired_capacity_drift', group)).toBe(0);

    await writeFile(configPath, configWith(baseToml, 2));
    const reloadAtMs = Date.now();
    child.process.kill('SIGHUP');
    await until(
      'the reload applied',
      async () => valueOf(await scrape(port), 'taskfleet_config_reloads_total') === 1,
      10_000,
      100,
    );
    // The loop never stopped: a request arrives within one poll interval of the signal.
    await until(
      'a job request after the reload',
      () => jobRequests().some(t => t > reloadAtMs),
      5_000,
      50,
    );
    const firstAfter = Math.min(...jobRequests().filter(t => t > reloadAtMs));
    expect(firstAfter - reloadAtMs).toBeLessThanOrEqual(checkIntervalMs);

    await until(
      'the pool shrunk to the new idle count',
      async () => (await readyInstances()) === 1,
      30_000,
      200,
    );
    const after = await scrape(port);
    expect(valueOf(after, 'fleeting_taskscaler_desired_instances', group)).toBe(1);
    expect(valueOf(after, 'taskfleet_idle_target_slots', group)).toBe(2);
    expect(valueOf(after, 'taskfleet_scaler_planners', group)).toBe(1);
    expect(valueOf(after, 'taskfleet_removals_total', { ...group, reason: 'idle_timeout' })).toBe(
      2,
    );
    expect(valueOf(after, 'taskfleet_poller_stalled', group)).toBe(0);
    const health = (await getJson(port, '/healthz')) as {
      status: number;
      body: { pollers: { group: string; lastSuccessfulPollAt: string; stalled: boolean }[] };
    };
    expect(health.status).toBe(200);
    const poller = health.body.pollers.find(p => p.group === world.groupName);
    expect(poller?.stalled).toBe(false);
    expect(Date.parse(poller?.lastSuccessfulPollAt ?? '')).toBeGreaterThan(reloadAtMs);

    // Intake still works after the reload: a new job is taken and runs.
    const sourceDir = join(workDir, 'project');
    await mkdir(sourceDir);
    await writeFile(
      join(sourceDir, '.gitlab-ci.yml'),
      'one:\n  script:\n    - echo after reload\n',
    );
    const project = await world.gitlab.admin.createProject({
      path: `it/b48-${randomBytes(3).toString('hex')}`,
      sourceDir,
    });
    const pipeline = await world.gitlab.admin.createPipeline(project.id);
    await until(
      'the job after the reload',
      () => world.gitlab.admin.getPipeline(pipeline.id).status === 'success',
      30_000,
      200,
    );
  });

  it('refuses a bad config on reload, keeps the old one and logs every problem', async () => {
    await writeFile(
      configPath,
      configWith(baseToml, 4)
        .replace(/concurrent = \d+/, 'concurrent = "six"')
        .replace(/capacity_per_instance = 2/, 'capacity_per_instance = 0'),
    );
    const stderrBefore = child.stderr.length;
    child.process.kill('SIGHUP');
    await until(
      'the refusal counted',
      async () => valueOf(await scrape(port), 'taskfleet_config_reload_failures_total') === 1,
      10_000,
      100,
    );
    const logged = child.stderr
      .slice(stderrBefore)
      .split('\n')
      .filter(line => line.includes('config reload failed'));
    expect(logged).toHaveLength(1);
    const entry = JSON.parse(logged[0] ?? '{}') as { level: number; problems: string[] };
    expect(entry.level).toBe(50);
    expect(entry.problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('concurrent'),
        expect.stringContaining('capacity_per_instance'),
      ]),
    );
    const samples = await scrape(port);
    expect(valueOf(samples, 'taskfleet_config_reloads_total')).toBe(1);
    // Still the old config's policy (idle count 2), after a tick past the refusal.
    const lastTick = valueOf(samples, 'taskfleet_scaler_last_tick_timestamp_seconds') ?? 0;
    await until(
      'a tick after the refusal',
      async () =>
        (valueOf(await scrape(port), 'taskfleet_scaler_last_tick_timestamp_seconds') ?? 0) >
        lastTick,
      10_000,
      100,
    );
    expect(valueOf(await scrape(port), 'taskfleet_idle_target_slots')).toBe(2);
    const sinceMs = Date.now();
    await until('polling goes on', () => jobRequests().some(t => t > sinceMs), 5_000, 50);
    expect(child.process.exitCode).toBeNull();
  });
});
