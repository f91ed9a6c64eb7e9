// `taskfleet check` on a config.toml whose runners name a well set up group and a badly set up
// one, against the AWS emulator and against moto_server: every problem of the bad group is one
// line, all at once, the good group is ok, and the exit status says which.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CreateAutoScalingGroupCommand,
  PutLifecycleHookCommand,
  PutScalingPolicyCommand,
  SuspendProcessesCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import { checkProblemsExitCode, checkUnreadableExitCode, runCheck } from '@taskfleet/cli';
import { createManualClock, startAwsEmulator } from '@taskfleet/emulator-aws';
import type { AwsEmulator } from '@taskfleet/emulator-aws';

import { createAwsSdkClients } from './support/aws-sdk-clients';
import type { AwsSdkClients } from './support/aws-sdk-clients';
import { checkMotoAvailable, startMotoServer } from './support/moto-server';
import type { MotoServer } from './support/moto-server';
import { linuxImageId } from './support/scenario-names';

jest.setTimeout(60_000);

// The config loader asks for it whatever the command; check never uses it.
const payloadKey = Buffer.alloc(32, 9).toString('base64');

/** Creates the group fleeting-plugin-aws's README asks for, or one that breaks every rule. */
async function createGroup(clients: AwsSdkClients, name: string, safe: boolean): Promise<void> {
  await clients.ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: `${name}-lt`,
      LaunchTemplateData: { ImageId: linuxImageId, InstanceType: 't3.micro' },
    }),
  );
  await clients.autoScaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: name,
      LaunchTemplate: { LaunchTemplateName: `${name}-lt`, Version: '$Latest' },
      MinSize: 0,
      MaxSize: safe ? 5 : 2,
      DesiredCapacity: 0,
      AvailabilityZones: ['us-east-1a'],
      NewInstancesProtectedFromScaleIn: safe,
    }),
  );
  if (safe) {
    await clients.autoScaling.send(
      new SuspendProcessesCommand({
        AutoScalingGroupName: name,
        ScalingProcesses: ['AZRebalance'],
      }),
    );
    await clients.autoScaling.send(
      new PutLifecycleHookCommand({
        AutoScalingGroupName: name,
        LifecycleHookName: 'taskfleet-drain',
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        HeartbeatTimeout: 300,
      }),
    );
  } else {
    await clients.autoScaling.send(
      new PutScalingPolicyCommand({
        AutoScalingGroupName: name,
        PolicyName: 'scale-in-on-low-cpu',
        AdjustmentType: 'ChangeInCapacity',
        ScalingAdjustment: -1,
      }),
    );
  }
}

function runner(name: string, groupName: string): string {
  return `
[[runners]]
  name = "${name}"
  url = "https://gitlab.example.com"
  token = "glrt-check-${name}"
  executor = "instance"
  [runners.autoscaler]
    plugin = "aws"
    max_instances = 5
    [runners.autoscaler.plugin_config]
      name = "${groupName}"
`;
}

async function check(dir: string, endpoint: string, runners: string[]) {
  const path = join(dir, 'config.toml');
  await writeFile(
    path,
    [
      `concurrent = 4\n${runners.join('')}\n[taskfleet]`,
      `  aws_endpoint_url = "${endpoint}"`,
      '  aws_region = "us-east-1"',
      `  payload_encryption_key = "${payloadKey}"\n`,
    ].join('\n'),
  );
  const lines: string[] = [];
  const code = await runCheck({ configPath: path }, line => lines.push(line));
  return { code, lines };
}

const backends: [string, boolean][] = [
  ['the AWS emulator', true],
  ['moto_server', checkMotoAvailable().available],
];

describe.each(backends)('taskfleet check against %s', (backend, available) => {
  const maybe = available ? it : it.skip;
  let endpoint: string;
  let emulator: AwsEmulator | undefined;
  let moto: MotoServer | undefined;
  let clients: AwsSdkClients;
  let dir: string;

  beforeAll(async () => {
    if (!available) {
      return;
    }
    if (backend === 'moto_server') {
      moto = await startMotoServer();
      endpoint = moto.endpoint;
    } else {
      emulator = await startAwsEmulator({ clock: createManualClock() });
      endpoint = emulator.endpoint;
    }
    clients = createAwsSdkClients(endpoint);
    await createGroup(clients, 'check-good', true);
    await createGroup(clients, 'check-bad', false);
    dir = await mkdtemp(join(tmpdir(), 'taskfleet-check-'));
  });

  afterAll(async () => {
    if (!available) {
      return;
    }
    clients.destroy();
    await emulator?.close();
    await moto?.close();
    await rm(dir, { recursive: true, force: true });
  });

  maybe('reports every problem of the bad group, one line each, and exits 1', async () => {
    const { code, lines } = await check(dir, endpoint, [
      runner('good', 'check-good'),
      runner('bad', 'check-bad'),
    ]);
    expect(code).toBe(checkProblemsExitCode);
    expect(lines).toContain('runner "good" group "check-good": ok');
    const bad = lines.filter(line => line.startsWith('runner "bad" group "check-bad": '));
    expect(bad.map(line => line.split(': ')[1])).toEqual([
      'not_protected_from_scale_in',
      'az_rebalance_active',
      'has_scaling_policies',
      'no_termination_hook',
      'max_size_below_max_instances',
    ]);
    expect(bad.join('\n')).toContain('scale-in-on-low-cpu');
    expect(bad.join('\n')).toContain('MaxSize 2 is below max_instances 5');
    expect(lines).toHaveLength(6);
  });

  maybe('exits 0 when every group is set up as taskfleet needs', async () => {
    expect(await check(dir, endpoint, [runner('good', 'check-good')])).toEqual({
      code: 0,
      lines: ['runner "good" group "check-good": ok'],
    });
  });

  maybe('names an unreadable ssh key as a problem and still checks the group', async () => {
    const keyPath = join(dir, 'no-such-key');
    const withKey = `${runner('keyed', 'check-good')}    [runners.autoscaler.connector_config]
      key_path = "${keyPath}"
`;
    const { code, lines } = await check(dir, endpoint, [withKey]);
    expect(code).toBe(checkProblemsExitCode);
    expect(lines).toEqual([
      'runner "keyed" group "check-good": ok',
      `runner "keyed": ssh_key_unreadable: could not read ssh key ${keyPath} (ENOENT)`,
    ]);
  });

  maybe('names a group that does not exist as a problem', async () => {
    const { code, lines } = await check(dir, endpoint, [runner('lost', 'no-such-group')]);
    expect(code).toBe(checkProblemsExitCode);
    expect(lines).toEqual([
      'runner "lost" group "no-such-group": group_not_found: no auto scaling group is named no-such-group',
    ]);
  });
});

describe('taskfleet check when AWS cannot be read', () => {
  it('says so per runner and exits 3', async () => {
    const emulator = await startAwsEmulator({ clock: createManualClock() });
    const dir = await mkdtemp(join(tmpdir(), 'taskfleet-check-'));
    try {
      // More throttles than the SDK's three attempts.
      await fetch(`${emulator.adminEndpoint}/faults/throttle`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'DescribeAutoScalingGroups', calls: 10 }),
      });
      const { code, lines } = await check(dir, emulator.endpoint, [runner('one', 'any-group')]);
      expect(code).toBe(checkUnreadableExitCode);
      expect(lines).toEqual([
        expect.stringMatching(/^runner "one" group "any-group": could not check: .*Throttling/),
      ]);
    } finally {
      await emulator.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
