// The set-up the executor-worker and exec-control worlds share: jobs accepted in the GitLab
// emulator, a Redis connection whose keys under the world's unique prefix are removed on close,
// and one real sshd instance of the AWS emulator, booted and registered ready with one slot.
// Each step pushes its own clean-up, so the calling world can take down a half-built world.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CreateAutoScalingGroupCommand,
  SuspendProcessesCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import {
  createManualClock,
  createSshdInstanceHost,
  startAwsEmulator,
} from '@taskfleet/emulator-aws';
import type { AwsEmulator } from '@taskfleet/emulator-aws';
import { startGitlabEmulator } from '@taskfleet/emulator-gitlab';
import type { GitlabEmulator } from '@taskfleet/emulator-gitlab';
import { GitlabClient, buildRunnerInfo } from '@taskfleet/gitlab';
import type { JobPayload } from '@taskfleet/gitlab';
import { AwsInstanceGroup } from '@taskfleet/provider-aws';
import type { Registry } from '@taskfleet/registry';
import { Redis } from 'ioredis';
import { pino } from 'pino';

import { acceptJobs } from './accept-jobs';
import { createAwsSdkClients } from './aws-sdk-clients';
import { linuxImageId } from './scenario-names';

const logger = pino({ level: 'silent' });
const bootDelayMs = 1_000;

/** The clean-ups of a world, run in reverse order by the world's close. */
export type Cleanups = (() => Promise<unknown>)[];

/** Runs a world's clean-ups last-pushed first, so each part closes before what it depends on. */
export async function runCleanups(cleanups: Cleanups): Promise<void> {
  for (const cleanup of cleanups.reverse()) {
    await cleanup();
  }
}

/** What the GitLab side of a world is made of. */
export interface GitlabJobsOptions {
  readonly ciYaml: string;
  /** Prefix of the project's temporary source directory. */
  readonly sourceDirPrefix: string;
  readonly projectPath: string;
  readonly runnerDescription: string;
}

/** Starts the GitLab emulator with one pipeline of `ciYaml` and accepts its jobs by name. */
export async function startGitlabWithAcceptedJobs(
  cleanups: Cleanups,
  options: GitlabJobsOptions,
): Promise<{ emulator: GitlabEmulator; client: GitlabClient; jobs: Map<string, JobPayload> }> {
  const emulator = await startGitlabEmulator({ longPollTimeoutMs: 0, traceUpdateIntervalSec: 1 });
  cleanups.push(() => emulator.close());
  const sourceDir = await mkdtemp(join(tmpdir(), options.sourceDirPrefix));
  cleanups.push(() => rm(sourceDir, { recursive: true, force: true }));
  await writeFile(join(sourceDir, '.gitlab-ci.yml'), options.ciYaml);
  const project = await emulator.admin.createProject({ path: options.projectPath, sourceDir });
  const runnerToken = emulator.admin.createRunner({ description: options.runnerDescription }).token;
  const client = new GitlabClient({
    url: emulator.url,
    logger,
    runnerInfo: buildRunnerInfo({ version: '0.1.0' }),
    systemId: 's_0123456789ab',
  });
  await emulator.admin.createPipeline(project.id);
  const jobs = new Map<string, JobPayload>();
  for (const [name, job] of await acceptJobs(client, runnerToken, 10)) {
    jobs.set(name, job);
  }
  return { emulator, client, jobs };
}

/** Opens a Redis connection; on close every key carrying `keyPrefix` is deleted first. */
export function openPrefixedRedis(cleanups: Cleanups, keyPrefix: string): Redis {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
  cleanups.push(async () => {
    // Registry keys and queues all carry the world's unique prefix.
    const keys = await redis.keys(`*${keyPrefix}*`);
    if (keys.length > 0) {
      await redis.del(...keys);
    }
    await redis.quit();
  });
  return redis;
}

/** Names and credentials of the world's instance group. */
export interface SshdInstanceOptions {
  readonly runId: string;
  /** Short tag for the group, template and credential names (e.g. `exw`). */
  readonly tag: string;
  /** Prefix of the sshd state directory under /var/tmp. */
  readonly stateRootPrefix: string;
  /** The registry the instance is registered ready in. */
  readonly registry: Registry;
}

/**
 * Starts the AWS emulator with an sshd instance host, boots one instance of a fresh group on the
 * emulator's clock, and registers it ready with one slot in `registry`.
 */
export async function startReadySshdInstance(
  cleanups: Cleanups,
  options: SshdInstanceOptions,
): Promise<{ aws: AwsEmulator; instances: AwsInstanceGroup; instanceId: string }> {
  const { runId, tag, registry } = options;
  const stateRoot = await mkdtemp(join('/var/tmp', options.stateRootPrefix));
  cleanups.push(() => rm(stateRoot, { recursive: true, force: true }));
  const host = createSshdInstanceHost({ stateRoot });
  cleanups.push(() => host.close());
  const awsClock = createManualClock();
  const aws = await startAwsEmulator({
    clock: awsClock,
    instanceHost: host,
    defaultBootDelayMs: bootDelayMs,
  });
  cleanups.push(() => aws.close());
  const sdk = createAwsSdkClients(aws.endpoint);
  cleanups.push(async () => {
    sdk.destroy();
    await Promise.resolve();
  });
  const groupName = `${tag}-group-${runId}`;
  const templateName = `${tag}-template-${runId}`;
  await sdk.ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: templateName,
      LaunchTemplateData: { ImageId: linuxImageId, InstanceType: 't3.micro' },
    }),
  );
  await sdk.autoScaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: groupName,
      LaunchTemplate: { LaunchTemplateName: templateName, Version: '$Latest' },
      MinSize: 0,
      MaxSize: 1,
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
  const instances = new AwsInstanceGroup({
    name: groupName,
    region: 'us-east-1',
    endpoint: aws.endpoint,
    clientOverrides: {
      maxAttempts: 1,
      credentials: { accessKeyId: tag, secretAccessKey: tag },
    },
  });
  cleanups.push(() => instances.shutdown());
  await instances.init();
  expect((await instances.increase(1)).requested).toBe(1);
  // Boot on the emulator's clock, polled with a bound: the sshd behind it is a real process.
  let members = await instances.update();
  for (let i = 0; i < 100 && members[0]?.state !== 'running'; i++) {
    awsClock.advance(bootDelayMs);
    await new Promise(resolve => setTimeout(resolve, 50));
    members = await instances.update();
  }
  expect(members).toEqual([expect.objectContaining({ state: 'running' })]);
  const instanceId = members[0]?.id ?? '';
  // The scaler's part: the instance is registered and ready with one slot.
  const lease = await registry.acquireLease('it-scaler', 600_000);
  if (!lease.acquired) {
    throw new Error('lease not acquired');
  }
  await registry.registerInstance(lease.fencingToken, {
    instanceId,
    state: 'booting',
    capacityPerInstance: 1,
    maxUseCount: 0,
  });
  await registry.markReady(instanceId, lease.fencingToken);
  return { aws, instances, instanceId };
}
