import type { AwsCliResult } from './aws-cli';
import { unknownInstanceId } from './cli-scenario';
import type { CliScenarioRecord } from './cli-scenario';
import { linuxImageId } from './scenario-names';

/** What one recorded awscli step must show. */
export interface CliExpectation {
  readonly label: string;
  readonly check: (result: AwsCliResult, record: CliScenarioRecord) => void;
}

// Parsed CLI output is untyped by nature; the checks below are what give it a shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const anyString = expect.any(String) as unknown;
const anyNumber = expect.any(Number) as unknown;
const ipv4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Fails with the command line and stderr unless the CLI exited 0; returns the parsed JSON. */
export function expectSuccess(result: AwsCliResult): Json {
  if (result.exitCode !== 0) {
    throw new Error(
      `aws ${result.argv.join(' ')}\nexited ${String(result.exitCode)}` +
        `${result.timedOut ? ' (timed out)' : ''}\nstderr: ${result.stderr.trim()}`,
    );
  }
  return result.json ?? {};
}

/** Expects exit 0 and no JSON at all: the action has no output members. */
export function expectNoOutput(result: AwsCliResult): void {
  expectSuccess(result);
  expect(result.stdout.trim()).toBe('');
}

/** Expects a non-zero exit whose stderr names `code` and a message matching `message`. */
export function expectServiceError(
  result: AwsCliResult,
  code: string,
  message: string | RegExp,
): void {
  expect({ timedOut: result.timedOut, failed: result.exitCode !== 0 }).toEqual({
    timedOut: false,
    failed: true,
  });
  expect({ code: result.errorCode, stderr: result.stderr.trim() }).toMatchObject({ code });
  expect(result.errorMessage).toMatch(message);
}

function groupsOf(json: Json): Json[] {
  return (json.AutoScalingGroups ?? []) as Json[];
}

function instancesOf(json: Json): Json[] {
  return ((json.Reservations ?? []) as Json[]).flatMap(r => (r.Instances ?? []) as Json[]);
}

/** Every check of the awscli conformance run, by the step label cli-scenario records. */
export const cliExpectations: readonly CliExpectation[] = [
  {
    label: 'CreateKeyPair',
    check: (result, { names }) => {
      expect(expectSuccess(result)).toMatchObject({
        KeyName: names.keyPair,
        KeyFingerprint: anyString,
        KeyMaterial: expect.stringContaining('PRIVATE KEY'),
        KeyPairId: expect.stringMatching(/^key-[0-9a-f]+$/),
      });
    },
  },
  {
    label: 'ImportKeyPair',
    check: (result, { names }) => {
      expect(expectSuccess(result)).toMatchObject({
        KeyName: names.importedKeyPair,
        KeyFingerprint: anyString,
        KeyPairId: expect.stringMatching(/^key-[0-9a-f]+$/),
      });
    },
  },
  {
    label: 'CreateLaunchTemplate',
    check: (result, { names }) => {
      expect(expectSuccess(result)).toMatchObject({
        LaunchTemplate: {
          LaunchTemplateId: expect.stringMatching(/^lt-[0-9a-f]+$/),
          LaunchTemplateName: names.template,
          CreateTime: anyString,
          DefaultVersionNumber: 1,
          LatestVersionNumber: 1,
        },
      });
    },
  },
  {
    label: 'DescribeLaunchTemplates',
    check: (result, record) => {
      const created = record.results.get('CreateLaunchTemplate')?.json as Json | undefined;
      const json = expectSuccess(result);
      expect(json.LaunchTemplates).toEqual([
        expect.objectContaining({
          LaunchTemplateId: created?.LaunchTemplate?.LaunchTemplateId,
          LaunchTemplateName: record.names.template,
          CreateTime: anyString,
          DefaultVersionNumber: 1,
          LatestVersionNumber: 1,
        }),
      ]);
    },
  },
  ...[
    'CreateAutoScalingGroup',
    'UpdateAutoScalingGroup',
    'SuspendProcesses',
    'SetDesiredCapacity',
  ].map((label): CliExpectation => ({
    label,
    check: result => {
      expectNoOutput(result);
    },
  })),
  {
    label: 'PutLifecycleHook',
    check: result => {
      // Held in Pending:Wait afterwards (the scenario waits for it), so the hook took effect.
      expectNoOutput(result);
    },
  },
  {
    label: 'RecordLifecycleActionHeartbeat',
    check: result => {
      expectNoOutput(result);
    },
  },
  {
    label: 'CompleteLifecycleAction',
    check: result => {
      expectNoOutput(result);
    },
  },
  {
    label: 'CompleteLifecycleAction (second instance)',
    check: result => {
      expectNoOutput(result);
    },
  },
  {
    label: 'DescribeAutoScalingGroups',
    check: (result, { names, instanceIds }) => {
      const groups = groupsOf(expectSuccess(result));
      expect(groups).toHaveLength(1);
      const group = groups[0]!;
      expect(group).toMatchObject({
        AutoScalingGroupName: names.group,
        AutoScalingGroupARN: expect.stringContaining(`autoScalingGroupName/${names.group}`),
        LaunchTemplate: expect.objectContaining({ LaunchTemplateName: names.template }),
        MinSize: 0,
        MaxSize: 4,
        DesiredCapacity: 2,
        DefaultCooldown: anyNumber,
        AvailabilityZones: ['us-east-1a'],
        HealthCheckType: 'EC2',
        CreatedTime: anyString,
        NewInstancesProtectedFromScaleIn: true,
        SuspendedProcesses: expect.arrayContaining([
          expect.objectContaining({ ProcessName: 'AZRebalance' }),
        ]),
      });
      const instances = (group.Instances ?? []) as Json[];
      expect(instances.map(i => i.InstanceId as string).sort()).toEqual([...instanceIds].sort());
      for (const instance of instances) {
        expect(instance).toMatchObject({
          InstanceId: expect.stringMatching(/^i-[0-9a-f]{8,17}$/),
          AvailabilityZone: 'us-east-1a',
          LifecycleState: 'InService',
          HealthStatus: 'Healthy',
          ProtectedFromScaleIn: true,
        });
      }
    },
  },
  {
    label: 'DescribeAutoScalingGroups (--page-size 1)',
    check: (result, { names }) => {
      // awscli followed every NextToken (one group per page) and the pages ended.
      const json = expectSuccess(result);
      expect(
        groupsOf(json)
          .map(g => g.AutoScalingGroupName as string)
          .sort(),
      ).toEqual([names.group, names.otherGroup].sort());
      expect(json.NextToken).toBeUndefined();
    },
  },
  {
    label: 'DescribeAutoScalingGroups (--max-items 1)',
    check: result => {
      const json = expectSuccess(result);
      expect(groupsOf(json)).toHaveLength(1);
      expect(json.NextToken).toEqual(anyString);
    },
  },
  {
    label: 'DescribeAutoScalingGroups (--starting-token)',
    check: (result, record) => {
      const firstPage = (record.results.get('DescribeAutoScalingGroups (--max-items 1)')?.json ??
        {}) as Json;
      const json = expectSuccess(result);
      const seen = [...groupsOf(firstPage), ...groupsOf(json)].map(
        g => g.AutoScalingGroupName as string,
      );
      expect(groupsOf(json)).toHaveLength(1);
      expect(seen.sort()).toEqual([record.names.group, record.names.otherGroup].sort());
      expect(json.NextToken).toBeUndefined();
    },
  },
  {
    label: 'DescribeAutoScalingInstances',
    check: (result, { names, instanceIds }) => {
      const rows = (expectSuccess(result).AutoScalingInstances ?? []) as Json[];
      expect(rows.map(r => r.InstanceId as string).sort()).toEqual([...instanceIds].sort());
      for (const row of rows) {
        expect(row).toMatchObject({
          AutoScalingGroupName: names.group,
          AvailabilityZone: 'us-east-1a',
          LifecycleState: 'InService',
          // Real AWS spells it HEALTHY here, unlike DescribeAutoScalingGroups (aws.md §2.7).
          HealthStatus: 'HEALTHY',
          ProtectedFromScaleIn: true,
          LaunchTemplate: expect.objectContaining({ LaunchTemplateName: names.template }),
        });
      }
    },
  },
  {
    label: 'DescribeScalingActivities',
    check: (result, { names, instanceIds }) => {
      const activities = (expectSuccess(result).Activities ?? []) as Json[];
      for (const activity of activities) {
        expect(activity).toMatchObject({
          ActivityId: anyString,
          AutoScalingGroupName: names.group,
          Cause: anyString,
          StartTime: anyString,
          StatusCode: anyString,
        });
      }
      const descriptions = activities.map(a => String(a.Description));
      for (const instanceId of instanceIds) {
        expect(descriptions).toContainEqual(`Launching a new EC2 instance: ${instanceId}`);
      }
    },
  },
  {
    label: 'DescribeInstances (filters)',
    check: (result, { names, instanceIds }) => {
      const json = expectSuccess(result);
      for (const reservation of (json.Reservations ?? []) as Json[]) {
        expect(reservation).toMatchObject({
          ReservationId: expect.stringMatching(/^r-/),
          OwnerId: anyString,
        });
      }
      const instances = instancesOf(json);
      expect(instances.map(i => i.InstanceId as string).sort()).toEqual([...instanceIds].sort());
      for (const instance of instances) {
        expect(instance).toMatchObject({
          ImageId: linuxImageId,
          InstanceType: 't3.micro',
          KeyName: names.keyPair,
          LaunchTime: anyString,
          State: { Code: 16, Name: 'running' },
          PrivateIpAddress: expect.stringMatching(ipv4),
          Placement: expect.objectContaining({ AvailabilityZone: 'us-east-1a' }),
          Tags: expect.arrayContaining([{ Key: 'aws:autoscaling:groupName', Value: names.group }]),
        });
      }
    },
  },
  {
    label: 'DescribeInstances (ids)',
    check: (result, { instanceIds }) => {
      const instances = instancesOf(expectSuccess(result));
      expect(instances.map(i => i.InstanceId as string)).toEqual([instanceIds[0]]);
    },
  },
  {
    label: 'SendSSHPublicKey',
    check: result => {
      expect(expectSuccess(result)).toEqual({ RequestId: anyString, Success: true });
    },
  },
  {
    label: 'SetInstanceProtection',
    check: (result, record) => {
      expectNoOutput(result);
      const after = record.observations.get('after SetInstanceProtection') as Json | undefined;
      expect(after?.AutoScalingInstances).toEqual([
        expect.objectContaining({ InstanceId: record.instanceIds[0], ProtectedFromScaleIn: false }),
      ]);
    },
  },
  {
    label: 'SetDesiredCapacity above max (error)',
    check: result => {
      expectServiceError(
        result,
        'ValidationError',
        'New SetDesiredCapacity value 9 is above max value 4 for the AutoScalingGroup.',
      );
    },
  },
  {
    label: 'TerminateInstanceInAutoScalingGroup',
    check: (result, { names, instanceIds }) => {
      expect(expectSuccess(result)).toMatchObject({
        Activity: {
          ActivityId: anyString,
          AutoScalingGroupName: names.group,
          Cause: anyString,
          StartTime: anyString,
          StatusCode: anyString,
          Description: `Terminating EC2 instance: ${String(instanceIds[0])}`,
        },
      });
    },
  },
  {
    label: 'TerminateInstanceInAutoScalingGroup below min (error)',
    check: result => {
      expectServiceError(
        result,
        'ValidationError',
        "Currently, desiredSize equals minSize (1). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.",
      );
    },
  },
  {
    label: 'TerminateInstanceInAutoScalingGroup unknown instance (error)',
    check: result => {
      expectServiceError(
        result,
        'ValidationError',
        `Instance Id not found - No managed instance found for instance ID: ${unknownInstanceId}`,
      );
    },
  },
  {
    label: 'DescribeInstances unknown instance (error)',
    check: result => {
      expectServiceError(
        result,
        'InvalidInstanceID.NotFound',
        `The instance ID '${unknownInstanceId}' does not exist`,
      );
    },
  },
  {
    label: 'ResumeProcesses',
    check: (result, record) => {
      expectNoOutput(result);
      const after = record.observations.get('after ResumeProcesses') as Json | undefined;
      const suspended = ((after?.AutoScalingGroups?.[0]?.SuspendedProcesses ?? []) as Json[]).map(
        p => p.ProcessName as string,
      );
      expect(suspended).not.toContain('AZRebalance');
    },
  },
  {
    label: 'TerminateInstances',
    check: (result, { instanceIds }) => {
      expect(expectSuccess(result).TerminatingInstances).toEqual([
        {
          InstanceId: instanceIds[1],
          CurrentState: {
            Code: anyNumber,
            Name: expect.stringMatching(/^(shutting-down|terminated)$/),
          },
          PreviousState: { Code: 16, Name: 'running' },
        },
      ]);
    },
  },
  {
    label: 'DeleteAutoScalingGroup',
    check: (result, record) => {
      expectNoOutput(result);
      const after = record.observations.get('after DeleteAutoScalingGroup') as Json | undefined;
      const groups = (after?.AutoScalingGroups ?? []) as Json[];
      // Deleted at once, or still listed with AWS's "Delete in progress" status.
      expect(groups.every(g => g.Status === 'Delete in progress')).toBe(true);
    },
  },
];
