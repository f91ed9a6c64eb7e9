// B52 through the real command: a group already holds two never-used workers that an earlier
// scaler launched and died before recording (their launch template tags them with the cluster
// id and pool). `taskfleet run scaler`, given `[taskfleet] cluster_id`, adopts both as its own:
// they get records and pass the ready check instead of being removed as orphans.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import { demoClusterId, demoConfigToml, startDemoWorld } from '@taskfleet/cli';
import type { DemoWorld } from '@taskfleet/cli';
import { runnerKeyFor } from '@taskfleet/job-queue';
import { OWNER_TAG_KEYS } from '@taskfleet/provider-aws';
import { createRegistry } from '@taskfleet/registry';
import { Redis } from 'ioredis';
import { pino } from 'pino';

import { killTaskfleetRuns, startTaskfleetRun, until } from './support/taskfleet-processes';
import type { TaskfleetProcess } from './support/taskfleet-processes';

jest.setTimeout(60_000);

const keyPrefix = `it-b52cli-${process.pid}-${randomBytes(3).toString('hex')}`;

interface SnapshotInstance {
  readonly instanceId: string;
  readonly tags?: readonly { key: string; value: string }[];
}

describe('B52 adoption through taskfleet run scaler', () => {
  let world: DemoWorld;
  let workDir: string;
  let redis: Redis;
  let autoScaling: AutoScalingClient;
  let child: TaskfleetProcess | undefined;

  beforeAll(async () => {
    world = await startDemoWorld(pino({ level: 'silent' }));
    redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
    autoScaling = new AutoScalingClient({
      endpoint: world.aws.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'it-b52', secretAccessKey: 'it-b52' },
    });
    workDir = await mkdtemp(join(tmpdir(), 'it-b52cli-'));
  });

  afterAll(async () => {
    await killTaskfleetRuns(child === undefined ? [] : [child]);
    autoScaling.destroy();
    await world.close();
    const keys = await redis.keys(`*${keyPrefix}*`);
    if (keys.length > 0) {
      await redis.del(...keys);
    }
    await redis.quit();
    await rm(workDir, { recursive: true, force: true });
  });

  async function memberIds(): Promise<string[]> {
    const answer = await autoScaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [world.groupName] }),
    );
    return (answer.AutoScalingGroups?.[0]?.Instances ?? []).map(i => i.InstanceId ?? '').sort();
  }

  it('adopts the never-used tagged members the group already holds', async () => {
    // The earlier scaler's launches: desired raised, no registry record written.
    await autoScaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: world.groupName, DesiredCapacity: 2 }),
    );
    await until('two members launched', async () => (await memberIds()).length === 2, 15_000);
    const launched = await memberIds();
    const instances = (world.aws.state.snapshot() as { instances: SnapshotInstance[] }).instances;
    const tagsOf = (id: string) => instances.find(i => i.instanceId === id)?.tags ?? [];
    for (const id of launched) {
      expect(tagsOf(id)).toEqual(
        expect.arrayContaining([
          { key: OWNER_TAG_KEYS.clusterId, value: demoClusterId },
          { key: OWNER_TAG_KEYS.pool, value: world.groupName },
        ]),
      );
    }

    const toml = demoConfigToml({ world, redisUrl: 'redis://127.0.0.1:6379', keyPrefix });
    expect(toml).toContain(`cluster_id = "${demoClusterId}"`);
    const configPath = join(workDir, 'config.toml');
    await writeFile(configPath, toml);
    child = startTaskfleetRun('scaler', configPath);

    const registry = createRegistry({
      redis,
      keyPrefix,
      runnerKey: runnerKeyFor({ url: world.gitlab.url, id: world.runnerId, token: '' }),
      logger: pino({ level: 'silent' }),
    });
    const readyIds = async (): Promise<string[]> =>
      (await registry.snapshot()).instances
        .filter(i => i.state === 'ready')
        .map(i => i.instanceId)
        .sort();
    await until(
      'both members adopted and ready',
      async () => (await readyIds()).length === 2,
      30_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; scaler stderr: ${child?.stderr ?? ''}`);
    });
    // The same two instances: adopted, not removed as orphans and replaced.
    expect(await readyIds()).toEqual(launched);
    expect(await memberIds()).toEqual(launched);
  });
});
