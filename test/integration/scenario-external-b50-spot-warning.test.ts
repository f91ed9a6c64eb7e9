// B50 (kind 10): after a spot reclaim, the retried job must not go to the dead instance. Given a
// job on spot i-3, when the fake EC2 emits an interruption warning (EventBridge → SQS) and
// reclaims i-3 two minutes later (compressed to 2 s here): i-3 is taken out of service at the
// warning (deleting, reason spot_interruption), then gone; the job fails as runner_system_failure;
// GitLab's retry of it runs on a different instance; and no SSH connection is opened to i-3
// after the warning: its sshd logs none, and no Instance Connect key (which every login of ours
// pushes first, also one that would meet a dead address after the reclaim) is sent for it.
// The whole system runs as `taskfleet run all` on the demo's emulators.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { demoConfigToml, startDemoWorld } from '@taskfleet/cli';
import type { DemoWorld } from '@taskfleet/cli';
import { parseConfig } from '@taskfleet/config';
import { runnerKeyFor } from '@taskfleet/job-queue';
import { createRegistry } from '@taskfleet/registry';
import type { Registry } from '@taskfleet/registry';
import { Redis } from 'ioredis';
import { pino } from 'pino';

import { findFreePort } from './support/free-port';
import { killTaskfleetRuns, startTaskfleetRun, until } from './support/taskfleet-processes';
import type { TaskfleetProcess } from './support/taskfleet-processes';
import { scrape, valueOf } from './support/telemetry-scrape';

jest.setTimeout(90_000);

const keyPrefix = `it-b50-${process.pid}-${randomBytes(3).toString('hex')}`;
const queueName = `b50-spot-warnings-${randomBytes(3).toString('hex')}`;
const reclaimDelayMs = 2_000;
// A second job that arrives between the warning and the reclaim, while i-3 still has a free slot
// (two per instance): it must not be given that slot.
const lateYaml = `
late:
  variables:
    GIT_STRATEGY: none
  script:
    - echo late-done
`;
const ciYaml = `
spot:
  retry:
    max: 1
    when: [runner_system_failure]
  variables:
    GIT_STRATEGY: none
  script:
    - echo b50-started
    - sleep 6
    - echo b50-done
`;

const instanceOf = (trace: string): string | undefined =>
  /Using instance (i-[0-9a-f]+) on slot/.exec(trace)?.[1];

describe('B50 spot interruption warning', () => {
  let world: DemoWorld;
  let workDir: string;
  let redis: Redis;
  let registry: Registry;
  let port: number;
  let child: TaskfleetProcess;

  beforeAll(async () => {
    world = await startDemoWorld(pino({ level: 'silent' }));
    const sqs = new SQSClient({
      endpoint: world.aws.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'taskfleet-test', secretAccessKey: 'test' },
    });
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: queueName }))).QueueUrl;
    sqs.destroy();
    redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
    workDir = await mkdtemp(join(tmpdir(), 'it-b50-'));
    port = await findFreePort();
    const toml = demoConfigToml({ world, redisUrl: 'redis://127.0.0.1:6379', keyPrefix })
      .replace(/log_level = "warn"\n/, `log_level = "warn"\nlisten_address = "127.0.0.1:${port}"\n`)
      .replace(
        /(\[runners\.autoscaler\.plugin_config\]\n)/,
        `$1      interruption_queue_url = ${JSON.stringify(queueUrl)}\n`,
      );
    expect(toml).toContain('interruption_queue_url');
    const configPath = join(workDir, 'config.toml');
    await writeFile(configPath, toml);
    const runner = parseConfig(toml).config.runners[0];
    registry = createRegistry({
      redis,
      keyPrefix,
      runnerKey: runnerKeyFor(runner ?? { url: '', id: null, token: '' }),
      logger: pino({ level: 'silent' }),
    });
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

  /** SendSSHPublicKey calls naming the instance: every SSH login of ours pushes a key first. */
  const keyPushesTo = (instanceId: string) =>
    world.aws.state
      .calls('SendSSHPublicKey')
      .filter(c => c.params.InstanceId === instanceId && c.httpStatus === 200).length;

  /** Connections the instance's own sshd logged as accepted (kept after it is terminated). */
  const sshdConnectionsTo = (instanceId: string) => {
    const { instances } = world.aws.state.snapshot() as {
      instances: { instanceId: string; sshdConnections?: number }[];
    };
    return instances.find(i => i.instanceId === instanceId)?.sshdConnections;
  };

  it('drains the warned instance at once, fails its job as a system failure and retries elsewhere', async () => {
    const sourceDir = join(workDir, 'project');
    await mkdir(sourceDir);
    await writeFile(join(sourceDir, '.gitlab-ci.yml'), ciYaml);
    const project = await world.gitlab.admin.createProject({ path: 'it/b50', sourceDir });
    const pipeline = await world.gitlab.admin.createPipeline(project.id);
    const firstJobId = pipeline.jobs[0]?.id ?? 0;
    await until(
      'the job runs on an instance',
      () => world.gitlab.admin.getTrace(firstJobId).includes('b50-started'),
      30_000,
      100,
    );
    const spot = instanceOf(world.gitlab.admin.getTrace(firstJobId)) ?? '';
    expect(spot).toMatch(/^i-/);
    const pushesBeforeWarning = keyPushesTo(spot);
    expect(pushesBeforeWarning).toBeGreaterThan(0);
    const connectionsBeforeWarning = sshdConnectionsTo(spot) ?? 0;
    expect(connectionsBeforeWarning).toBeGreaterThan(0);

    const warned = await fetch(`${world.aws.adminEndpoint}/instances/${spot}/spot-interruption`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ queueName, delayMs: reclaimDelayMs }),
    });
    expect(warned.status).toBe(200);
    const { reclaimAtMs } = (await warned.json()) as { reclaimAtMs: number };

    // At the warning: out of service, its job still holding its slot and running.
    await until(
      'the warned instance leaves service',
      async () => (await registry.getInstance(spot))?.reason === 'spot_interruption',
      5_000,
      50,
    );
    expect(Date.now()).toBeLessThan(reclaimAtMs);
    expect(await registry.getInstance(spot)).toMatchObject({
      state: 'deleting',
      reason: 'spot_interruption',
      claimedSlots: 1,
    });
    expect(world.gitlab.admin.getJob(firstJobId).status).toBe('running');
    const lateDir = join(workDir, 'late');
    await mkdir(lateDir);
    await writeFile(join(lateDir, '.gitlab-ci.yml'), lateYaml);
    const lateProject = await world.gitlab.admin.createProject({
      path: 'it/b50-late',
      sourceDir: lateDir,
    });
    const late = await world.gitlab.admin.createPipeline(lateProject.id);

    // The reclaim: the job fails as a system failure, and the instance is gone.
    await until(
      'the job fails',
      () => world.gitlab.admin.getJob(firstJobId).status === 'failed',
      20_000,
      100,
    );
    expect(world.gitlab.admin.getJob(firstJobId).failureReason).toBe('runner_system_failure');
    await until(
      'the reclaimed instance is gone from the registry',
      async () => (await registry.getInstance(spot)) === undefined,
      20_000,
      100,
    );

    // GitLab's retry runs to the end, on another instance.
    await until(
      'the retry succeeds',
      () => world.gitlab.admin.getPipeline(pipeline.id).status === 'success',
      40_000,
      200,
    );
    const jobs = world.gitlab.admin.getPipeline(pipeline.id).jobs;
    const retry = jobs.find(j => j.id !== firstJobId);
    expect(retry).toMatchObject({ name: 'spot', status: 'success' });
    const retryTrace = world.gitlab.admin.getTrace(retry?.id ?? 0);
    expect(retryTrace).toContain('b50-done');
    const elsewhere = instanceOf(retryTrace);
    expect(elsewhere).toMatch(/^i-/);
    expect(elsewhere).not.toBe(spot);

    await until(
      'the late job succeeds',
      () => world.gitlab.admin.getPipeline(late.id).status === 'success',
      30_000,
      200,
    );
    const lateTrace = world.gitlab.admin.getTrace(late.jobs[0]?.id ?? 0);
    expect(instanceOf(lateTrace)).not.toBe(spot);

    // Not one SSH login to i-3 after the warning, from the scaler or an executor.
    expect(keyPushesTo(spot)).toBe(pushesBeforeWarning);
    expect(sshdConnectionsTo(spot)).toBe(connectionsBeforeWarning);
    // Counted once, under the warning's reason, not again as a plain spot loss.
    const samples = await scrape(port);
    const group = { group: world.groupName };
    expect(
      valueOf(samples, 'taskfleet_removals_total', { ...group, reason: 'spot_interruption' }),
    ).toBe(1);
    expect(valueOf(samples, 'taskfleet_removals_total', { ...group, reason: 'spot' })).toBe(
      undefined,
    );
  });
});
