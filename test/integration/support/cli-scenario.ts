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
  /** SDK clients on the same endpoint, for set-up, waiting and reading effects (never for the checks' input). */
  readonly sdk: AwsSdkClients;
  readonly suffix: string;
  readonly sshPublicKey: string;
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

type Run = (label: string, args: readonly string[]) => Promise<AwsCliResult>;

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
  const run: Run = async (label, args) => {
    const result = await options.cli.run(args);
    record.results.set(label, result);
    return result;
  };
  try {
    // Calls that do not depend on each other run together: each costs about a second of
    // Python start-up, and on a loaded machine parallel processes also get a larger CPU share.
    await runSetUp(run, options, names);
    await runScaleOut(run, options.sdk, record);
    await runDescribes(run, record, options.sshPublicKey);
    await runTerminations(run, options.sdk, record);
  } catch (error) {
    record.abortReason = error instanceof Error ? error.message : String(error);
  }
  return record;
}

async function runSetUp(
  run: Run,
  options: CliScenarioOptions,
  names: ScenarioNames,
): Promise<void> {
  const publicKeyPath = options.cli.scratchPath('imported.pub');
  await writeFile(publicKeyPath, options.sshPublicKey);
  const group = ['--auto-scaling-group-name', names.group];
  await Promise.all([
    run('CreateKeyPair', ['ec2', 'create-key-pair', '--key-name', names.keyPair]),
    // fileb:// reads raw bytes in both versions; a plain string would be taken as base64 by v2.
    run('ImportKeyPair', [
      ...['ec2', 'import-key-pair', '--key-name', names.importedKeyPair],
      ...['--public-key-material', `fileb://${publicKeyPath}`],
    ]),
  ]);
  const templateData = { ImageId: linuxImageId, InstanceType: 't3.micro', KeyName: names.keyPair };
  await run('CreateLaunchTemplate', [
    ...['ec2', 'create-launch-template', '--launch-template-name', names.template],
    ...['--launch-template-data', JSON.stringify(templateData)],
  ]);
  await Promise.all([
    run('DescribeLaunchTemplates', [
      ...['ec2', 'describe-launch-templates', '--launch-template-names', names.template],
      '--no-paginate',
    ]),
    run('CreateAutoScalingGroup', [
      ...['autoscaling', 'create-auto-scaling-group', ...group],
      ...['--launch-template', `LaunchTemplateName=${names.template},Version=$Latest`],
      ...['--min-size', '0', '--max-size', '3', '--desired-capacity', '0'],
      ...['--availability-zones', 'us-east-1a', '--new-instances-protected-from-scale-in'],
    ]),
    // The second group exists only so describe has two pages; it is not under test.
    options.sdk.autoScaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: names.otherGroup,
        LaunchTemplate: { LaunchTemplateName: names.template, Version: '$Latest' },
        MinSize: 0,
        MaxSize: 1,
        AvailabilityZones: ['us-east-1a'],
      }),
    ),
  ]);
  await Promise.all([
    run('UpdateAutoScalingGroup', [
      'autoscaling',
      'update-auto-scaling-group',
      ...group,
      '--max-size',
      '4',
    ]),
    run('SuspendProcesses', [
      ...['autoscaling', 'suspend-processes', ...group, '--scaling-processes', 'AZRebalance'],
    ]),
    run('PutLifecycleHook', [
      ...['autoscaling', 'put-lifecycle-hook', ...group, '--lifecycle-hook-name', names.hook],
      ...['--lifecycle-transition', 'autoscaling:EC2_INSTANCE_LAUNCHING'],
      ...['--heartbeat-timeout', '300', '--default-result', 'ABANDON'],
    ]),
  ]);
}

async function runScaleOut(run: Run, sdk: AwsSdkClients, record: CliScenarioRecord): Promise<void> {
  const { names } = record;
  const group = ['--auto-scaling-group-name', names.group];
  await run('SetDesiredCapacity', [
    ...['autoscaling', 'set-desired-capacity', ...group, '--desired-capacity', '2'],
    '--no-honor-cooldown',
  ]);
  // The launch hook holds both instances; completing it is what lets them go InService.
  const [first, second] = (await waitForLifecycleState(
    sdk.autoScaling,
    names.group,
    'Pending:Wait',
    2,
  )) as [string, string];
  const hook = [...group, '--lifecycle-hook-name', names.hook];
  const complete = [
    'autoscaling',
    'complete-lifecycle-action',
    ...hook,
    '--lifecycle-action-result',
    'CONTINUE',
  ];
  await Promise.all([
    run('RecordLifecycleActionHeartbeat', [
      ...['autoscaling', 'record-lifecycle-action-heartbeat', ...hook, '--instance-id', first],
    ]),
    run('CompleteLifecycleAction (second instance)', [...complete, '--instance-id', second]),
  ]);
  await run('CompleteLifecycleAction', [...complete, '--instance-id', first]);
  record.instanceIds.push(...(await waitForInService(sdk.autoScaling, names.group, 2)));
}

async function runDescribes(
  run: Run,
  record: CliScenarioRecord,
  sshPublicKey: string,
): Promise<void> {
  const { names, instanceIds } = record;
  const [first, second] = instanceIds as [string, string];
  const describeGroups = ['autoscaling', 'describe-auto-scaling-groups'];
  const bothGroups = [
    ...describeGroups,
    '--auto-scaling-group-names',
    names.group,
    names.otherGroup,
  ];
  const [firstPage, described] = await Promise.all([
    run('DescribeAutoScalingGroups (--max-items 1)', [...bothGroups, '--max-items', '1']),
    run('DescribeInstances (ids)', ['ec2', 'describe-instances', '--instance-ids', first]),
    run('DescribeAutoScalingGroups', [
      ...describeGroups,
      ...['--auto-scaling-group-names', names.group, '--no-paginate'],
    ]),
    run('DescribeAutoScalingGroups (--page-size 1)', [...bothGroups, '--page-size', '1']),
    run('DescribeAutoScalingInstances', [
      ...['autoscaling', 'describe-auto-scaling-instances', '--instance-ids', first, second],
      '--no-paginate',
    ]),
    run('DescribeScalingActivities', [
      ...['autoscaling', 'describe-scaling-activities', '--auto-scaling-group-name', names.group],
      '--no-paginate',
    ]),
    run('DescribeInstances (filters)', [
      ...[
        'ec2',
        'describe-instances',
        '--filters',
        `Name=tag:aws:autoscaling:groupName,Values=${names.group}`,
      ],
      ...['Name=instance-state-name,Values=running,pending', '--no-paginate'],
    ]),
  ]);
  const token = (firstPage.json as { NextToken?: unknown } | undefined)?.NextToken;
  const zone = availabilityZoneOf(described.json);
  await Promise.all([
    typeof token === 'string'
      ? run('DescribeAutoScalingGroups (--starting-token)', [
          ...[...bothGroups, '--max-items', '1', '--starting-token', token],
        ])
      : undefined,
    run('SendSSHPublicKey', [
      ...['ec2-instance-connect', 'send-ssh-public-key', '--instance-id', first],
      ...['--instance-os-user', 'ec2-user', '--ssh-public-key', sshPublicKey],
      ...(zone === undefined ? [] : ['--availability-zone', zone]),
    ]),
  ]);
}

async function runTerminations(
  run: Run,
  sdk: AwsSdkClients,
  record: CliScenarioRecord,
): Promise<void> {
  const { names, instanceIds } = record;
  const [first, second] = instanceIds as [string, string];
  const group = ['--auto-scaling-group-name', names.group];
  const terminateInGroup = [
    'autoscaling',
    'terminate-instance-in-auto-scaling-group',
    '--instance-id',
  ];
  await Promise.all([
    run('SetInstanceProtection', [
      ...['autoscaling', 'set-instance-protection', ...group, '--instance-ids', first],
      '--no-protected-from-scale-in',
    ]),
    run('SetDesiredCapacity above max (error)', [
      ...['autoscaling', 'set-desired-capacity', ...group, '--desired-capacity', '9'],
    ]),
    run('TerminateInstanceInAutoScalingGroup unknown instance (error)', [
      ...[...terminateInGroup, unknownInstanceId, '--should-decrement-desired-capacity'],
    ]),
    run('DescribeInstances unknown instance (error)', [
      ...['ec2', 'describe-instances', '--instance-ids', unknownInstanceId],
    ]),
  ]);
  record.observations.set(
    'after SetInstanceProtection',
    await sdk.autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [first] })),
  );
  await run('TerminateInstanceInAutoScalingGroup', [
    ...[...terminateInGroup, first, '--should-decrement-desired-capacity'],
  ]);
  // Desired is now 1; raising the minimum to 1 makes the next decrement break the min size.
  await sdk.autoScaling.send(
    new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: names.group, MinSize: 1 }),
  );
  await run('TerminateInstanceInAutoScalingGroup below min (error)', [
    ...[...terminateInGroup, second, '--should-decrement-desired-capacity'],
  ]);
  await Promise.all([
    run('ResumeProcesses', [
      'autoscaling',
      'resume-processes',
      ...group,
      '--scaling-processes',
      'AZRebalance',
    ]),
    run('TerminateInstances', ['ec2', 'terminate-instances', '--instance-ids', second]),
  ]);
  record.observations.set('after ResumeProcesses', await describeGroup(sdk, names.group));
  await Promise.all([
    run('DeleteAutoScalingGroup', [
      'autoscaling',
      'delete-auto-scaling-group',
      ...group,
      '--force-delete',
    ]),
    sdk.autoScaling.send(
      new DeleteAutoScalingGroupCommand({
        AutoScalingGroupName: names.otherGroup,
        ForceDelete: true,
      }),
    ),
  ]);
  record.observations.set('after DeleteAutoScalingGroup', await describeGroup(sdk, names.group));
}

async function describeGroup(sdk: AwsSdkClients, groupName: string): Promise<unknown> {
  return sdk.autoScaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] }),
  );
}

function availabilityZoneOf(json: unknown): string | undefined {
  type Described = {
    Reservations?: { Instances?: { Placement?: { AvailabilityZone?: string } }[] }[];
  };
  return (json as Described | undefined)?.Reservations?.[0]?.Instances?.[0]?.Placement
    ?.AvailabilityZone;
}
