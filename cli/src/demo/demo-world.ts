import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';

import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  PutLifecycleHookCommand,
  SuspendProcessesCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateKeyPairCommand, CreateLaunchTemplateCommand, EC2Client } from '@aws-sdk/client-ec2';
import { createSshdInstanceHost, startAwsEmulator } from '@taskfleet/emulator-aws';
import type { AwsEmulator } from '@taskfleet/emulator-aws';
import { startGitlabEmulator } from '@taskfleet/emulator-gitlab';
import type { GitlabEmulator } from '@taskfleet/emulator-gitlab';
import { OWNER_TAG_KEYS } from '@taskfleet/provider-aws';
import type { Logger } from 'pino';

/** The demo's `cluster_id`: its launch template tags every instance with it (B52). */
export const demoClusterId = 'taskfleet-demo';

/** The demo's group: at most this many instances, as `max_instances`. */
export const demoMaxInstances = 3;
const region = 'us-east-1';
// An Amazon Linux AMI id; the emulator boots every image as an sshd instance.
const imageId = 'ami-760aaa0f';
// Emulated boot time: long enough to see instances pending, short enough for a quick demo.
const bootDelayMs = 1_500;

/** Both emulators in this process, the group on the AWS one and a runner on the GitLab one. */
export interface DemoWorld {
  readonly aws: AwsEmulator;
  readonly gitlab: GitlabEmulator;
  readonly groupName: string;
  readonly runnerToken: string;
  readonly runnerId: number;
  /** Members of the group not yet gone (any lifecycle state). */
  groupMemberCount(): Promise<number>;
  /** Stops both emulators (every instance's sshd with them) and removes their files. */
  close(): Promise<void>;
}

/** Starts the emulators (real sshd instances) and creates the group as fleeting-plugin-aws wants it. */
export async function startDemoWorld(logger: Logger): Promise<DemoWorld> {
  // Not under /tmp: each instance gets a private /tmp that would hide it.
  const stateRoot = await mkdtemp(join('/var/tmp', 'taskfleet-demo-'));
  const cleanups: (() => Promise<unknown>)[] = [
    () => rm(stateRoot, { recursive: true, force: true }),
  ];
  const closeAll = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => {
        logger.warn({ err: error }, 'could not clean up a demo resource');
      });
    }
    cleanups.length = 0;
  };
  try {
    const host = createSshdInstanceHost({
      stateRoot,
      logger: logger.child({ component: 'instances' }),
    });
    cleanups.push(() => host.close());
    const aws = await startAwsEmulator({
      instanceHost: host,
      defaultBootDelayMs: bootDelayMs,
      logger: logger.child({ emulator: 'aws' }),
    });
    cleanups.push(() => aws.close());
    const gitlab = await startGitlabEmulator({
      longPollTimeoutMs: 1_000,
      traceUpdateIntervalSec: 1,
      logger: logger.child({ emulator: 'gitlab' }),
    });
    cleanups.push(() => gitlab.close());
    const sdk = {
      endpoint: aws.endpoint,
      region,
      credentials: { accessKeyId: 'taskfleet-demo', secretAccessKey: 'demo' },
    };
    const autoScaling = new AutoScalingClient(sdk);
    const ec2 = new EC2Client(sdk);
    cleanups.push(() => {
      autoScaling.destroy();
      ec2.destroy();
      return Promise.resolve();
    });
    const suffix = randomBytes(4).toString('hex');
    const groupName = `taskfleet-demo-${suffix}`;
    await ec2.send(new CreateKeyPairCommand({ KeyName: `taskfleet-demo-${suffix}` }));
    await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: groupName,
        LaunchTemplateData: {
          ImageId: imageId,
          InstanceType: 't3.micro',
          KeyName: `taskfleet-demo-${suffix}`,
          // As in production: the pool's tags at launch, so a restarted scaler adopts the
          // never-used instances it finds (B52).
          TagSpecifications: [
            {
              ResourceType: 'instance',
              Tags: [
                { Key: OWNER_TAG_KEYS.clusterId, Value: demoClusterId },
                { Key: OWNER_TAG_KEYS.pool, Value: groupName },
              ],
            },
          ],
        },
      }),
    );
    await autoScaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: groupName,
        LaunchTemplate: { LaunchTemplateName: groupName, Version: '$Latest' },
        MinSize: 0,
        MaxSize: demoMaxInstances,
        DesiredCapacity: 0,
        AvailabilityZones: [`${region}a`],
        NewInstancesProtectedFromScaleIn: true,
      }),
    );
    await autoScaling.send(
      new SuspendProcessesCommand({
        AutoScalingGroupName: groupName,
        ScalingProcesses: ['AZRebalance'],
      }),
    );
    // A termination hook, as a production group has (taskfleet check asks for one): AWS then
    // waits for the scaler before it ends an instance, also one that AWS chose itself.
    await autoScaling.send(
      new PutLifecycleHookCommand({
        AutoScalingGroupName: groupName,
        LifecycleHookName: 'taskfleet-drain',
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        HeartbeatTimeout: 300,
        DefaultResult: 'CONTINUE',
      }),
    );
    const runner = gitlab.admin.createRunner({ description: 'taskfleet-demo' });
    return {
      aws,
      gitlab,
      groupName,
      runnerToken: runner.token,
      runnerId: runner.id,
      async groupMemberCount() {
        const answer = await autoScaling.send(
          new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] }),
        );
        return answer.AutoScalingGroups?.[0]?.Instances?.length ?? 0;
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
