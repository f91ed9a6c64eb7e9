import {
  CompleteLifecycleActionCommand,
  CreateAutoScalingGroupCommand,
  DeleteAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeScalingActivitiesCommand,
  PutLifecycleHookCommand,
  RecordLifecycleActionHeartbeatCommand,
  ResumeProcessesCommand,
  SetDesiredCapacityCommand,
  SetInstanceProtectionCommand,
  SuspendProcessesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateKeyPairCommand,
  CreateLaunchTemplateCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  ImportKeyPairCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { SendSSHPublicKeyCommand } from '@aws-sdk/client-ec2-instance-connect';

import type { AwsSdkClients } from './aws-sdk-clients';
import { linuxImageId, scenarioNames } from './scenario-names';
import { waitForInService } from './wait-for-lifecycle-state';

/** What one run of the SDK call sequence needs. */
export interface SdkScenarioOptions {
  readonly clients: AwsSdkClients;
  /** Makes every resource name unique to this run. */
  readonly suffix: string;
  /** An OpenSSH public key (at least 80 characters) for ImportKeyPair and SendSSHPublicKey. */
  readonly sshPublicKey: string;
  /** moto 5.2.1 does not implement these (it answers HTTP 500), so a moto run leaves them out. */
  readonly runLifecycleActions: boolean;
}

/** The responses of one run by step label (the action, plus a qualifier when it repeats), and where it stopped. */
export interface SdkScenarioRecord {
  readonly responses: Map<string, unknown>;
  /** Why the run stopped early: the step label and the error; undefined when every step ran. */
  failure: string | undefined;
}

const groupAzs = ['us-east-1a'];

/** Runs the same ordered SDK calls against one endpoint and records every response until one fails. */
export async function runSdkScenario(options: SdkScenarioOptions): Promise<SdkScenarioRecord> {
  const record: SdkScenarioRecord = { responses: new Map(), failure: undefined };
  try {
    await runSteps(options, record);
  } catch (error) {
    record.failure = error instanceof Error ? error.message : String(error);
  }
  return record;
}

async function runSteps(options: SdkScenarioOptions, record: SdkScenarioRecord): Promise<void> {
  const { autoScaling, ec2, instanceConnect } = options.clients;
  const step = async <T>(label: string, call: () => Promise<T>): Promise<T> => {
    try {
      const response = await call();
      record.responses.set(label, response);
      return response;
    } catch (error) {
      throw new Error(`step ${label} failed: ${describeError(error)}`, { cause: error });
    }
  };
  const names = scenarioNames(options.suffix);

  await step('CreateKeyPair', () => ec2.send(new CreateKeyPairCommand({ KeyName: names.keyPair })));
  await step('ImportKeyPair', () =>
    ec2.send(
      new ImportKeyPairCommand({
        KeyName: names.importedKeyPair,
        PublicKeyMaterial: Buffer.from(options.sshPublicKey),
      }),
    ),
  );
  await step('CreateLaunchTemplate', () =>
    ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: names.template,
        LaunchTemplateData: {
          ImageId: linuxImageId,
          InstanceType: 't3.micro',
          KeyName: names.keyPair,
        },
      }),
    ),
  );
  await step('DescribeLaunchTemplates', () =>
    ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: [names.template] })),
  );
  for (const [label, group] of [
    ['CreateAutoScalingGroup', names.group],
    ['CreateAutoScalingGroup (second group)', names.otherGroup],
  ] as const) {
    await step(label, () =>
      autoScaling.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: group,
          LaunchTemplate: { LaunchTemplateName: names.template, Version: '$Latest' },
          MinSize: 0,
          MaxSize: 3,
          DesiredCapacity: 0,
          AvailabilityZones: groupAzs,
          NewInstancesProtectedFromScaleIn: true,
        }),
      ),
    );
  }
  await step('UpdateAutoScalingGroup', () =>
    autoScaling.send(
      new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: names.group, MaxSize: 4 }),
    ),
  );
  await step('SuspendProcesses', () =>
    autoScaling.send(
      new SuspendProcessesCommand({
        AutoScalingGroupName: names.group,
        ScalingProcesses: ['AZRebalance'],
      }),
    ),
  );
  await step('PutLifecycleHook', () =>
    autoScaling.send(
      new PutLifecycleHookCommand({
        AutoScalingGroupName: names.group,
        LifecycleHookName: names.hook,
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        HeartbeatTimeout: 300,
        DefaultResult: 'CONTINUE',
      }),
    ),
  );
  await step('SetDesiredCapacity', () =>
    autoScaling.send(
      new SetDesiredCapacityCommand({
        AutoScalingGroupName: names.group,
        DesiredCapacity: 2,
        HonorCooldown: false,
      }),
    ),
  );
  // moto is InService at once; the emulator boots for a while, so wait before describing.
  const instanceIds = await waitForInService(autoScaling, names.group, 2);
  const [first, second] = instanceIds as [string, string];

  await step('DescribeAutoScalingGroups', () =>
    autoScaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [names.group] }),
    ),
  );
  const page = await step('DescribeAutoScalingGroups (page 1 of 2)', () =>
    autoScaling.send(
      new DescribeAutoScalingGroupsCommand({
        AutoScalingGroupNames: [names.group, names.otherGroup],
        MaxRecords: 1,
      }),
    ),
  );
  await step('DescribeAutoScalingGroups (page 2 of 2)', () =>
    autoScaling.send(
      new DescribeAutoScalingGroupsCommand({
        AutoScalingGroupNames: [names.group, names.otherGroup],
        MaxRecords: 1,
        NextToken: page.NextToken,
      }),
    ),
  );
  await step('DescribeAutoScalingInstances', () =>
    autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: instanceIds })),
  );
  await step('DescribeScalingActivities', () =>
    autoScaling.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: names.group })),
  );
  await step('DescribeInstances (filters)', () =>
    ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: 'tag:aws:autoscaling:groupName', Values: [names.group] },
          { Name: 'instance-state-name', Values: ['running', 'pending'] },
        ],
      }),
    ),
  );
  const described = await step('DescribeInstances (ids)', () =>
    ec2.send(new DescribeInstancesCommand({ InstanceIds: [first] })),
  );
  await step('SendSSHPublicKey', () =>
    instanceConnect.send(
      new SendSSHPublicKeyCommand({
        InstanceId: first,
        InstanceOSUser: 'ec2-user',
        SSHPublicKey: options.sshPublicKey,
        AvailabilityZone: described.Reservations?.[0]?.Instances?.[0]?.Placement?.AvailabilityZone,
      }),
    ),
  );
  await step('SetInstanceProtection', () =>
    autoScaling.send(
      new SetInstanceProtectionCommand({
        AutoScalingGroupName: names.group,
        InstanceIds: [first],
        ProtectedFromScaleIn: false,
      }),
    ),
  );
  await step('TerminateInstanceInAutoScalingGroup', () =>
    autoScaling.send(
      new TerminateInstanceInAutoScalingGroupCommand({
        InstanceId: first,
        ShouldDecrementDesiredCapacity: true,
      }),
    ),
  );
  if (options.runLifecycleActions) {
    const hookTarget = {
      AutoScalingGroupName: names.group,
      LifecycleHookName: names.hook,
      InstanceId: first,
    };
    await step('RecordLifecycleActionHeartbeat', () =>
      autoScaling.send(new RecordLifecycleActionHeartbeatCommand(hookTarget)),
    );
    await step('CompleteLifecycleAction', () =>
      autoScaling.send(
        new CompleteLifecycleActionCommand({ ...hookTarget, LifecycleActionResult: 'CONTINUE' }),
      ),
    );
  }
  await step('ResumeProcesses', () =>
    autoScaling.send(
      new ResumeProcessesCommand({
        AutoScalingGroupName: names.group,
        ScalingProcesses: ['AZRebalance'],
      }),
    ),
  );
  await step('TerminateInstances', () =>
    ec2.send(new TerminateInstancesCommand({ InstanceIds: [second] })),
  );
  await step('DeleteAutoScalingGroup', () =>
    autoScaling.send(
      new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: names.group, ForceDelete: true }),
    ),
  );
  await step('DeleteAutoScalingGroup (second group)', () =>
    autoScaling.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: names.otherGroup })),
  );
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return `${error.name} (HTTP ${String(status)}): ${error.message}`;
  }
  return String(error);
}
