// The world of the fair-share scenarios (B35): the GitLab emulator with tagged runners, the AWS
// emulator with one group per `[[runners]]` entry (each instance a real sshd), real Redis under
// a unique prefix, and the whole product as one `taskfleet run all` child process on a written
// config.toml. The emulators live in the test process, so their records can be read at any time.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CreateAutoScalingGroupCommand,
  PutLifecycleHookCommand,
  SuspendProcessesCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateKeyPairCommand, CreateLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import { createSshdInstanceHost, startAwsEmulator } from '@taskfleet/emulator-aws';
import type { AwsEmulator } from '@taskfleet/emulator-aws';
import { startGitlabEmulator } from '@taskfleet/emulator-gitlab';
import type { GitlabEmulator } from '@taskfleet/emulator-gitlab';
import { Redis } from 'ioredis';

import { createAwsSdkClients } from './aws-sdk-clients';
import { linuxImageId } from './scenario-names';
import { killTaskfleetRuns, startTaskfleetRun } from './taskfleet-processes';
import type { TaskfleetProcess } from './taskfleet-processes';

/** One `[[runners]]` entry: the GitLab runner's tags and its group's `max_instances`. */
export interface FairSharePoolSpec {
  readonly tags: readonly string[];
  readonly maxInstances: number;
}

/** Options of {@link startFairShareWorld}. */
export interface FairShareWorldOptions {
  readonly name: string;
  readonly pools: readonly FairSharePoolSpec[];
  /** The project's `.gitlab-ci.yml`; every pipeline made by the test uses it. */
  readonly ciYaml: string;
  /** The global `concurrent`. */
  readonly concurrent: number;
  readonly bootDelayMs: number;
}

/** A pool as started: its runner on the emulator and its group. */
export interface FairSharePool extends FairSharePoolSpec {
  readonly runnerId: number;
  readonly groupName: string;
}

/** A live instance count of one moment, per group. */
export interface FleetSample {
  readonly atMs: number;
  readonly liveByGroup: readonly number[];
}

/** An instance's life as the AWS emulator recorded it. */
export interface InstanceLife {
  readonly groupName: string;
  readonly launchedAtMs: number;
  /** Undefined while not yet terminated. */
  readonly terminatedAtMs: number | undefined;
}

/** A started world; `close` stops the product and both emulators and removes every key. */
export interface FairShareWorld {
  readonly gitlab: GitlabEmulator;
  readonly aws: AwsEmulator;
  readonly pools: readonly FairSharePool[];
  readonly projectId: number;
  /** Starts `taskfleet run all` on the world's config.toml. */
  startProduct(): TaskfleetProcess;
  /** Group members not yet terminated (pending, running, shutting-down), per pool. */
  sampleFleet(): FleetSample;
  /** Every instance of the world's groups the emulator holds, terminated ones included. */
  instanceLives(): InstanceLife[];
  close(): Promise<void>;
}

interface SnapshotInstance {
  readonly state: string;
  readonly launchTime?: string;
  readonly terminatedAt?: string;
  readonly tags?: readonly { key: string; value: string }[];
}

const quote = (value: string): string => JSON.stringify(value);

function groupOf(instance: SnapshotInstance): string | undefined {
  return instance.tags?.find(t => t.key === 'aws:autoscaling:groupName')?.value;
}

function configToml(
  options: FairShareWorldOptions,
  world: { gitlab: GitlabEmulator; aws: AwsEmulator },
  pools: readonly (FairSharePool & { token: string })[],
  keyPrefix: string,
): string {
  const runners = pools.map(
    (pool, index) => `
[[runners]]
  name = "b35-${index}"
  url = ${quote(world.gitlab.url)}
  id = ${pool.runnerId}
  token = ${quote(pool.token)}
  executor = "instance"
  shell = "bash"
  builds_dir = "builds"
  request_concurrency = 2
  [runners.autoscaler]
    plugin = "aws"
    capacity_per_instance = 1
    max_instances = ${pool.maxInstances}
    instance_ready_command = "true"
    instance_acquire_timeout = "2m"
    update_interval = "1s"
    update_interval_when_expecting = "1s"
    [runners.autoscaler.plugin_config]
      name = ${quote(pool.groupName)}
      region = "us-east-1"
    [[runners.autoscaler.policy]]
      idle_count = 0
      idle_time = "30s"
`,
  );
  return `concurrent = ${options.concurrent}
check_interval = 1
log_level = "warn"
shutdown_timeout = 10
${runners.join('')}
[taskfleet]
  redis_url = "redis://127.0.0.1:6379"
  key_prefix = ${quote(keyPrefix)}
  payload_encryption_key = ${quote(randomBytes(32).toString('base64'))}
  aws_endpoint_url = ${quote(world.aws.endpoint)}
`;
}

/** Builds the world (emulators, groups, runners, project, config); the product is not started. */
export async function startFairShareWorld(options: FairShareWorldOptions): Promise<FairShareWorld> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const children: TaskfleetProcess[] = [];
  const close = async (): Promise<void> => {
    await killTaskfleetRuns(children);
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch(() => undefined);
    }
    cleanups.length = 0;
  };
  try {
    const runId = `${process.pid}-${randomBytes(3).toString('hex')}`;
    const keyPrefix = `it-${options.name}-${runId}`;
    const workDir = await mkdtemp(join(tmpdir(), `it-${options.name}-`));
    cleanups.push(() => rm(workDir, { recursive: true, force: true }));
    // Not under /tmp: each instance gets a private /tmp that would hide it.
    const stateRoot = await mkdtemp(join('/var/tmp', `taskfleet-${options.name}-`));
    cleanups.push(() => rm(stateRoot, { recursive: true, force: true }));
    const host = createSshdInstanceHost({ stateRoot });
    cleanups.push(() => host.close());
    const aws = await startAwsEmulator({
      instanceHost: host,
      defaultBootDelayMs: options.bootDelayMs,
    });
    cleanups.push(() => aws.close());
    const gitlab = await startGitlabEmulator({
      longPollTimeoutMs: 1_000,
      traceUpdateIntervalSec: 1,
    });
    cleanups.push(() => gitlab.close());
    const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
    cleanups.push(async () => {
      const keys = await redis.keys(`*${keyPrefix}*`);
      if (keys.length > 0) {
        await redis.del(...keys);
      }
      await redis.quit();
    });
    const sdk = createAwsSdkClients(aws.endpoint);
    cleanups.push(() => {
      sdk.destroy();
      return Promise.resolve();
    });
    const pools: (FairSharePool & { token: string })[] = [];
    for (const [index, spec] of options.pools.entries()) {
      const groupName = `${options.name}-${index}-${runId}`;
      await sdk.ec2.send(new CreateKeyPairCommand({ KeyName: groupName }));
      await sdk.ec2.send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: groupName,
          LaunchTemplateData: {
            ImageId: linuxImageId,
            InstanceType: 't3.micro',
            KeyName: groupName,
          },
        }),
      );
      await sdk.autoScaling.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: groupName,
          LaunchTemplate: { LaunchTemplateName: groupName, Version: '$Latest' },
          MinSize: 0,
          MaxSize: spec.maxInstances,
          DesiredCapacity: 0,
          AvailabilityZones: ['us-east-1a'],
          NewInstancesProtectedFromScaleIn: true,
        }),
      );
      await sdk.autoScaling.send(
        new SuspendProcessesCommand({
          AutoScalingGroupName: groupName,
          ScalingProcesses: ['AZRebalance'],
        }),
      );
      await sdk.autoScaling.send(
        new PutLifecycleHookCommand({
          AutoScalingGroupName: groupName,
          LifecycleHookName: 'taskfleet-drain',
          LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
          HeartbeatTimeout: 300,
          DefaultResult: 'CONTINUE',
        }),
      );
      // As GitLab does for a tagged runner: it takes only jobs whose tags it has.
      const runner = gitlab.admin.createRunner({
        description: groupName,
        tags: [...spec.tags],
        runUntagged: false,
      });
      pools.push({ ...spec, runnerId: runner.id, token: runner.token, groupName });
    }
    const sourceDir = join(workDir, 'project');
    await mkdir(sourceDir);
    await writeFile(join(sourceDir, '.gitlab-ci.yml'), options.ciYaml);
    const project = await gitlab.admin.createProject({
      path: `acme/${options.name}-${randomBytes(3).toString('hex')}`,
      sourceDir,
    });
    const configPath = join(workDir, 'config.toml');
    await writeFile(configPath, configToml(options, { gitlab, aws }, pools, keyPrefix));
    const groupNames = pools.map(p => p.groupName);
    const instances = (): SnapshotInstance[] =>
      (aws.state.snapshot() as { instances: SnapshotInstance[] }).instances;
    return {
      gitlab,
      aws,
      pools: pools.map(({ token: _token, ...pool }) => pool),
      projectId: project.id,
      startProduct() {
        const child = startTaskfleetRun('all', configPath);
        children.push(child);
        return child;
      },
      sampleFleet() {
        const live = instances().filter(i => i.state !== 'terminated');
        return {
          atMs: Date.now(),
          liveByGroup: groupNames.map(name => live.filter(i => groupOf(i) === name).length),
        };
      },
      instanceLives() {
        const lives: InstanceLife[] = [];
        for (const instance of instances()) {
          const groupName = groupOf(instance);
          if (groupName === undefined || !groupNames.includes(groupName)) {
            continue;
          }
          lives.push({
            groupName,
            launchedAtMs: Date.parse(instance.launchTime ?? ''),
            terminatedAtMs:
              instance.terminatedAt === undefined ? undefined : Date.parse(instance.terminatedAt),
          });
        }
        return lives;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
