// Issue #3: 20 parallel jobs with max_instances = 3 and capacity_per_instance = 2 all finish,
// and the fleet (sampled every 200 ms from the AWS emulator's state) never holds more than 3
// live instances or a desired capacity above 3, scales out past one instance, and ends empty.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { demoConfigToml, startDemoWorld } from '@taskfleet/cli';
import type { DemoWorld } from '@taskfleet/cli';
import { Redis } from 'ioredis';
import { pino } from 'pino';

import { killTaskfleetRuns, startTaskfleetRun, until } from './support/taskfleet-processes';
import type { TaskfleetProcess } from './support/taskfleet-processes';

jest.setTimeout(180_000);

const jobCount = 20;
const maxInstances = 3;
const sampleIntervalMs = 200;
const keyPrefix = `it-cap-${process.pid}-${randomBytes(3).toString('hex')}`;
const finalStatuses = new Set(['success', 'failed', 'canceled', 'skipped']);

const ciYaml = `stages:
  - test

fan-out:
  stage: test
  parallel: ${jobCount}
  script:
    - sleep 1; echo job $CI_NODE_INDEX
`;

interface SnapshotInstance {
  readonly state: string;
  readonly tags?: readonly { key: string; value: string }[];
}

interface SnapshotGroup {
  readonly name: string;
  readonly desiredCapacity: number;
}

interface FleetSample {
  readonly liveInstances: number;
  readonly desiredCapacity: number;
}

/** Counts the group's EC2 instances not yet terminated (pending, running, shutting-down…). */
function sampleFleet(world: DemoWorld): FleetSample {
  const snapshot = world.aws.state.snapshot() as {
    groups: SnapshotGroup[];
    instances: SnapshotInstance[];
  };
  const group = snapshot.groups.find(g => g.name === world.groupName);
  const liveInstances = snapshot.instances.filter(
    i =>
      i.state !== 'terminated' &&
      (i.tags ?? []).some(
        t => t.key === 'aws:autoscaling:groupName' && t.value === world.groupName,
      ),
  ).length;
  return { liveInstances, desiredCapacity: group?.desiredCapacity ?? -1 };
}

describe('taskfleet run: capacity limits under 20 parallel jobs', () => {
  let world: DemoWorld;
  let workDir: string;
  let redis: Redis;
  const children: TaskfleetProcess[] = [];

  beforeAll(async () => {
    world = await startDemoWorld(pino({ level: 'silent' }));
    redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
    workDir = await mkdtemp(join(tmpdir(), 'it-run-capacity-'));
    const configPath = join(workDir, 'config.toml');
    // The demo config is the settings: capacity_per_instance 2, max_instances 3,
    // idle_count 0, idle_time 5s.
    const toml = demoConfigToml({ world, redisUrl: 'redis://127.0.0.1:6379', keyPrefix });
    expect(toml).toMatch(/capacity_per_instance = 2\n/);
    expect(toml).toMatch(new RegExp(`max_instances = ${maxInstances}\\n`));
    expect(toml).toMatch(/idle_count = 0\n/);
    await writeFile(configPath, toml);
    for (const role of ['executor', 'executor', 'scaler', 'poller']) {
      children.push(startTaskfleetRun(role, configPath));
    }
  });

  afterAll(async () => {
    await killTaskfleetRuns(children);
    await world.close();
    const keys = await redis.keys(`*${keyPrefix}*`);
    if (keys.length > 0) {
      await redis.del(...keys);
    }
    await redis.quit();
    await rm(workDir, { recursive: true, force: true });
  });

  it('finishes every job with at most 3 instances at any moment, then scales to 0', async () => {
    const sourceDir = join(workDir, 'project');
    await mkdir(sourceDir);
    await writeFile(join(sourceDir, '.gitlab-ci.yml'), ciYaml);
    const project = await world.gitlab.admin.createProject({
      path: `it/capacity-${randomBytes(3).toString('hex')}`,
      sourceDir,
    });
    const pipeline = await world.gitlab.admin.createPipeline(project.id);
    expect(world.gitlab.admin.getPipeline(pipeline.id).jobs).toHaveLength(jobCount);

    const samples: FleetSample[] = [];
    const record = (): FleetSample => {
      const sample = sampleFleet(world);
      samples.push(sample);
      return sample;
    };
    await until(
      'pipeline end',
      () => {
        record();
        return finalStatuses.has(world.gitlab.admin.getPipeline(pipeline.id).status);
      },
      120_000,
      sampleIntervalMs,
    );
    await until(
      'empty fleet',
      () => {
        const sample = record();
        return sample.liveInstances === 0 && sample.desiredCapacity === 0;
      },
      45_000,
      sampleIntervalMs,
    );

    const jobs = world.gitlab.admin.getPipeline(pipeline.id).jobs.map(j => {
      const job = world.gitlab.admin.getJob(j.id);
      return { name: j.name, status: job.status, trace: world.gitlab.admin.getTrace(j.id) };
    });
    expect(jobs.map(j => [j.name, j.status])).toEqual(
      Array.from({ length: jobCount }, (_, i) => [`fan-out ${i + 1}/${jobCount}`, 'success']),
    );
    for (const [i, job] of jobs.entries()) {
      expect(job.trace).toContain(`job ${i + 1}`);
    }
    const maxLive = Math.max(...samples.map(s => s.liveInstances));
    const maxDesired = Math.max(...samples.map(s => s.desiredCapacity));
    expect(samples.filter(s => s.liveInstances > maxInstances)).toEqual([]);
    expect(samples.filter(s => s.desiredCapacity > maxInstances)).toEqual([]);
    expect(maxLive).toBeGreaterThanOrEqual(2);
    expect(maxDesired).toBeGreaterThanOrEqual(2);
    expect(samples.at(-1)).toEqual({ liveInstances: 0, desiredCapacity: 0 });
    for (const child of children) {
      child.process.kill('SIGTERM');
    }
    const codes = await Promise.all(children.map(c => c.exited));
    expect(codes.map((code, i) => [children[i]?.role, code])).toEqual(
      children.map(c => [c.role, 0]),
    );
  });
});
