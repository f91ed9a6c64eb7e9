import {
  CreateAutoScalingGroupCommand,
  DeleteAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { writeFile } from 'node:fs/promises';

import type { AwsCli, AwsCliResult } from './aws-cli';
import type { AwsSdkClients } from './aws-sdk-clients';
import { linuxImageId, scenarioNames } from './scenario-names';
import type { ScenarioNames } from './scenario-names';
import { waitForInService, waitForLifecycleState } from './wait-for-lifecycle-state';

/** What one awscli run of the action sequence needs. */
export interface CliScenarioOptions {
  readonly cli: AwsCli;
  /** SDK clients on the same endpoint, for set-up and waiting only (never for the checks). */
  readonly sdk: AwsSdkClients;
  readonly suffix: string;
  readonly sshPublicKey: string;
  /** Holds launches in Pending:Wait with a hook and completes them; moto implements neither. */
  readonly runLifecycleActions: boolean;
}

/** Every CLI result of one run by step label, the ids it worked on, and why it stopped early if it did. */
export interface CliScenarioRecord {
  readonly names: ScenarioNames;
  readonly results: Map<string, AwsCliResult>;
  /** SDK reads taken right after actions without output, so their effect can be checked. */
  readonly observations: Map<string, unknown>;
  readonly instanceIds: string[];
  abortReason: string | undefined;
}

/** An id awscli accepts (19 characters, hex) that no server has issued. */
export const unknownInstanceId = 'i-0000000000000dead';

/** Runs every implemented action through one awscli against one endpoint, recording each result. */
export async function runCliScenario(options: CliScenarioOptions): Promise<CliScenarioRecord> {
  const names = scenarioNames(options.suffix);
  const record: CliScenarioRecord = {
    names,
    results: new Map(),
    observations: new Map(),
    instanceIds: [],
    abortReason: undefined,
  };
  try {
    await runSteps(options, record);
  } catch (error) {
    record.abortReason = error instanceof Error ? error.message : String(error);
  }
  return record;
}

async function runSteps(options: CliScenarioOptions, record: CliScenarioRecord): Promise<void> {
  const { cli, sdk } = options;
  const { names } = record;
  const run = async (label: string, args: readonly string[]): Promise<AwsCliResult> => {
    const result = await cli.run(args);
    record.results.set(label, result);
    return result;
  };
  const group = ['--auto-scaling-group-name', names.group];

  await run('CreateKeyPair', ['ec2', 'create-key-pair', '--key-name', names.keyPair]);
  const publicKeyPath = cli.scratchPath('imported.pub');
  await writeFile(publicKeyPath, options.sshPublicKey);
  // fileb:// reads raw bytes in both versions; a plain string would be taken as base64 by v2.
  await run('ImportKeyPair', [
    'ec2',
    'import-key-pair',
    '--key-name',
    names.importedKeyPair,
    '--public-key-material',
    `fileb://${publicKeyPath}`,
  ]);
  const templateData = { ImageId: linuxImageId, InstanceType: 't3.micro', KeyName: names.keyPair };
  await run('CreateLaunchTemplate', [
    'ec2',
    'create-launch-template',
    '--launch-template-name',
    names.template,
    '--launch-template-data',
    JSON.stringify(templateData),
  ]);
  await run('DescribeLaunchTemplates', [
    'ec2',
    'describe-launch-templates',
    '--launch-template-names',
    names.template,
    '--no-paginate',
  ]);
  await run('CreateAutoScalingGroup', [
    'autoscaling',
    'create-auto-scaling-group',
    ...group,
    '--launch-template',
    `LaunchTemplateName=${names.template},Version=$Latest`,
    '--min-size',
    '0',
    '--max-size',
    '3',
    '--desired-capacity',
    '0',
    '--availability-zones',
    'us-east-1a',
    '--new-instances-protected-from-scale-in',
  ]);
  // The second group exists only so describe has two pages; it is not under test.
  await sdk.autoScaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: names.otherGroup,
      LaunchTemplate: { LaunchTemplateName: names.template, Version: '$Latest' },
      MinSize: 0,
      MaxSize: 1,
      AvailabilityZones: ['us-east-1a'],
    }),
  );
  await run('UpdateAutoScalingGroup', [
    'autoscaling',
    'update-auto-scaling-group',
    ...group,
    '--max-size',
    '4',
  ]);
  await run('SuspendProcesses', [
    'autoscaling',
    'suspend-processes',
    ...group,
    '--scaling-processes',
    'AZRebalance',
  ]);
  if (options.runLifecycleActions) {
    await run('PutLifecycleHook', [
      'autoscaling',
      'put-lifecycle-hook',
      ...group,
      '--lifecycle-hook-name',
      names.hook,
      '--lifecycle-transition',
      'autoscaling:EC2_INSTANCE_LAUNCHING',
      '--heartbeat-timeout',
      '300',
      '--default-result',
      'ABANDON',
    ]);
  }
  await run('SetDesiredCapacity', [
    'autoscaling',
    'set-desired-capacity',
    ...group,
    '--desired-capacity',
    '2',
    '--no-honor-cooldown',
  ]);
  if (options.runLifecycleActions) {
    const held = await waitForLifecycleState(sdk.autoScaling, names.group, 'Pending:Wait', 2);
    const hook = [...group, '--lifecycle-hook-name', names.hook];
    await run('RecordLifecycleActionHeartbeat', [
      'autoscaling',
      'record-lifecycle-action-heartbeat',
      ...hook,
      '--instance-id',
      held[0]!,
    ]);
    for (const [index, instanceId] of held.entries()) {
      await run(
        index === 0 ? 'CompleteLifecycleAction' : 'CompleteLifecycleAction (second instance)',
        [
          'autoscaling',
          'complete-lifecycle-action',
          ...hook,
          '--lifecycle-action-result',
          'CONTINUE',
          '--instance-id',
          instanceId,
        ],
      );
    }
  }
  record.instanceIds.push(...(await waitForInService(sdk.autoScaling, names.group, 2)));
  await runDescribes(run, record, options.sshPublicKey);
  await runTerminations(run, record, sdk);
}

type Run = (label: string, args: readonly string[]) => Promise<AwsCliResult>;

async function runDescribes(
  run: Run,
  record: CliScenarioRecord,
  sshPublicKey: string,
): Promise<void> {
  const { names, instanceIds } = record;
  const [first, second] = instanceIds as [string, string];
  const bothGroups = ['--auto-scaling-group-names', names.group, names.otherGroup];
  await run('DescribeAutoScalingGroups', [
    'autoscaling',
    'describe-auto-scaling-groups',
    '--auto-scaling-group-names',
    names.group,
    '--no-paginate',
  ]);
  await run('DescribeAutoScalingGroups (--page-size 1)', [
    'autoscaling',
    'describe-auto-scaling-groups',
    ...bothGroups,
    '--page-size',
    '1',
  ]);
  const firstPage = await run('DescribeAutoScalingGroups (--max-items 1)', [
    'autoscaling',
    'describe-auto-scaling-groups',
    ...bothGroups,
    '--max-items',
    '1',
  ]);
  const token = (firstPage.json as { NextToken?: unknown } | undefined)?.NextToken;
  if (typeof token !== 'string') {
    throw new Error('describe-auto-scaling-groups --max-items 1 gave no NextToken');
  }
  await run('DescribeAutoScalingGroups (--starting-token)', [
    'autoscaling',
    'describe-auto-scaling-groups',
    ...bothGroups,
    '--max-items',
    '1',
    '--starting-token',
    token,
  ]);
  await run('DescribeAutoScalingInstances', [
    'autoscaling',
    'describe-auto-scaling-instances',
    '--instance-ids',
    first,
    second,
    '--no-paginate',
  ]);
  await run('DescribeScalingActivities', [
    'autoscaling',
    'describe-scaling-activities',
    '--auto-scaling-group-name',
    names.group,
    '--no-paginate',
  ]);
  await run('DescribeInstances (filters)', [
    'ec2',
    'describe-instances',
    '--filters',
    `Name=tag:aws:autoscaling:groupName,Values=${names.group}`,
    'Name=instance-state-name,Values=running,pending',
    '--no-paginate',
  ]);
  const described = await run('DescribeInstances (ids)', [
    'ec2',
    'describe-instances',
    '--instance-ids',
    first,
  ]);
  const zone = availabilityZoneOf(described.json);
  await run('SendSSHPublicKey', [
    'ec2-instance-connect',
    'send-ssh-public-key',
    '--instance-id',
    first,
    '--instance-os-user',
    'ec2-user',
    '--ssh-public-key',
    sshPublicKey,
    ...(zone === undefined ? [] : ['--availability-zone', zone]),
  ]);
}

async function runTerminations(
  run: Run,
  record: CliScenarioRecord,
  sdk: AwsSdkClients,
): Promise<void> {
  const { names, instanceIds } = record;
  const [first, second] = instanceIds as [string, string];
  const group = ['--auto-scaling-group-name', names.group];
  await run('SetInstanceProtection', [
    'autoscaling',
    'set-instance-protection',
    ...group,
    '--instance-ids',
    first,
    '--no-protected-from-scale-in',
  ]);
  record.observations.set(
    'after SetInstanceProtection',
    await sdk.autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [first] })),
  );
  await run('SetDesiredCapacity above max (error)', [
    'autoscaling',
    'set-desired-capacity',
    ...group,
    '--desired-capacity',
    '9',
  ]);
  await run('TerminateInstanceInAutoScalingGroup', [
    'autoscaling',
    'terminate-instance-in-auto-scaling-group',
    '--instance-id',
    first,
    '--should-decrement-desired-capacity',
  ]);
  // Desired is now 1; raising the minimum to 1 makes the next decrement break the min size.
  await sdk.autoScaling.send(
    new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: names.group, MinSize: 1 }),
  );
  await run('TerminateInstanceInAutoScalingGroup below min (error)', [
    'autoscaling',
    'terminate-instance-in-auto-scaling-group',
    '--instance-id',
    second,
    '--should-decrement-desired-capacity',
  ]);
  await run('TerminateInstanceInAutoScalingGroup unknown instance (error)', [
    'autoscaling',
    'terminate-instance-in-auto-scaling-group',
    '--instance-id',
    unknownInstanceId,
    '--should-decrement-desired-capacity',
  ]);
  await run('DescribeInstances unknown instance (error)', [
    'ec2',
    'describe-instances',
    '--instance-ids',
    unknownInstanceId,
  ]);
  await run('ResumeProcesses', [
    'autoscaling',
    'resume-processes',
    ...group,
    '--scaling-processes',
    'AZRebalance',
  ]);
  record.observations.set('after ResumeProcesses', await describeGroup(sdk, names.group));
  await run('TerminateInstances', ['ec2', 'terminate-instances', '--instance-ids', second]);
  await run('DeleteAutoScalingGroup', [
    'autoscaling',
    'delete-auto-scaling-group',
    ...group,
    '--force-delete',
  ]);
  record.observations.set('after DeleteAutoScalingGroup', await describeGroup(sdk, names.group));
  await sdk.autoScaling.send(
    new DeleteAutoScalingGroupCommand({
      AutoScalingGroupName: names.otherGroup,
      ForceDelete: true,
    }),
  );
}

async function describeGroup(sdk: AwsSdkClients, groupName: string): Promise<unknown> {
  return sdk.autoScaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] }),
  );
}

function availabilityZoneOf(json: unknown): string | undefined {
  const reservations = (
    json as
      | { Reservations?: { Instances?: { Placement?: { AvailabilityZone?: string } }[] }[] }
      | undefined
  )?.Reservations;
  return reservations?.[0]?.Instances?.[0]?.Placement?.AvailabilityZone;
}
