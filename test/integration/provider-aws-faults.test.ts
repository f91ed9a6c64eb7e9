// provider-aws under the faults the AWS emulator's admin API injects, and under outside changes
// to its group: each must surface as the right FleetingError or partial result, never be hidden.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';

import {
  CreateAutoScalingGroupCommand,
  SetDesiredCapacityCommand,
  SuspendProcessesCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import { createManualClock, startAwsEmulator } from '@taskfleet/emulator-aws';
import type { AwsEmulator, ManualClock } from '@taskfleet/emulator-aws';
import type { AwsProviderSettings } from '@taskfleet/provider-aws';
import { AwsInstanceGroup } from '@taskfleet/provider-aws';
import { pino } from 'pino';

import { createAwsSdkClients } from './support/aws-sdk-clients';
import type { AwsSdkClients } from './support/aws-sdk-clients';

const bootDelayMs = 2_000;
const maxSize = 3;

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

describe('provider-aws under injected faults', () => {
  let clock: ManualClock;
  let emulator: AwsEmulator;
  let clients: AwsSdkClients;
  let name: string;
  let logs: LogLine[];
  let providers: AwsInstanceGroup[];

  beforeEach(async () => {
    clock = createManualClock();
    emulator = await startAwsEmulator({ clock, defaultBootDelayMs: bootDelayMs });
    clients = createAwsSdkClients(emulator.endpoint);
    const suffix = randomBytes(4).toString('hex');
    name = `faults-group-${suffix}`;
    await clients.ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: `faults-template-${suffix}`,
        LaunchTemplateData: { ImageId: 'ami-0123456789abcdef0', InstanceType: 't3.micro' },
      }),
    );
    await clients.autoScaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: name,
        LaunchTemplate: { LaunchTemplateName: `faults-template-${suffix}`, Version: '$Latest' },
        MinSize: 0,
        MaxSize: maxSize,
        DesiredCapacity: 0,
        AvailabilityZones: ['us-east-1a'],
        NewInstancesProtectedFromScaleIn: true,
      }),
    );
    await clients.autoScaling.send(
      new SuspendProcessesCommand({
        AutoScalingGroupName: name,
        ScalingProcesses: ['AZRebalance'],
      }),
    );
    logs = [];
    providers = [];
  });

  afterEach(async () => {
    for (const provider of providers) {
      await provider.shutdown();
    }
    clients.destroy();
    await emulator.close();
  });

  async function started(overrides: Partial<AwsProviderSettings> = {}): Promise<AwsInstanceGroup> {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
          logs.push(JSON.parse(line) as LogLine);
        }
        done();
      },
    });
    const provider = new AwsInstanceGroup({
      name,
      region: 'us-east-1',
      endpoint: emulator.endpoint,
      logger: pino({ level: 'debug' }, sink),
      clientOverrides: {
        maxAttempts: 1,
        credentials: { accessKeyId: 'faults', secretAccessKey: 'faults' },
      },
      ...overrides,
    });
    providers.push(provider);
    await provider.init();
    return provider;
  }

  async function inject(path: string, body: unknown): Promise<void> {
    const response = await fetch(`${emulator.adminEndpoint}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.ok).toBe(true);
  }

  async function runningIds(provider: AwsInstanceGroup, count: number): Promise<string[]> {
    clock.advance(bootDelayMs);
    for (let round = 0; round < 100; round += 1) {
      const members = await provider.update();
      if (members.length === count && members.every(member => member.state === 'running')) {
        return members.map(member => member.id);
      }
      await new Promise(resolve => setTimeout(resolve, 20));
    }
    throw new Error(`${count} instances did not reach running`);
  }

  it('rejects update as retryable throttled while DescribeAutoScalingGroups is throttled', async () => {
    const provider = await started();
    await inject('/faults/throttle', { action: 'DescribeAutoScalingGroups', calls: 2 });

    await expect(provider.update()).rejects.toMatchObject({ code: 'throttled', retryable: true });
    await expect(provider.update()).rejects.toMatchObject({ code: 'throttled', retryable: true });
    await expect(provider.update()).resolves.toEqual([]);
    const answered = emulator.state.calls('DescribeAutoScalingGroups').map(call => call.errorCode);
    expect(answered.slice(-3)).toEqual(['Throttling', 'Throttling', undefined]);
  });

  it('lets the SDK retry one throttled describe when retries are allowed', async () => {
    const provider = await started({
      clientOverrides: { maxAttempts: 2, credentials: { accessKeyId: 'f', secretAccessKey: 'f' } },
    });
    await inject('/faults/throttle', { action: 'DescribeAutoScalingGroups', calls: 1 });
    const before = emulator.state.calls('DescribeAutoScalingGroups').length;

    await expect(provider.update()).resolves.toEqual([]);
    expect(emulator.state.calls('DescribeAutoScalingGroups')).toHaveLength(before + 2);
  });

  it('caps an increase beyond MaxSize, launches what fits and reports the rest', async () => {
    const provider = await started();

    const result = await provider.increase(maxSize + 2);

    expect(result.requested).toBe(maxSize);
    expect(result.error).toMatchObject({ code: 'capacity_exceeded', retryable: false });
    expect(await runningIds(provider, maxSize)).toHaveLength(maxSize);
    expect(logs).toContainEqual(
      expect.objectContaining({ msg: 'capped_by_asg_max', requested: maxSize, maxSize }),
    );
  });

  it('reports a throttled SetDesiredCapacity as nothing requested, retryable', async () => {
    const provider = await started();
    await inject('/faults/throttle', { action: 'SetDesiredCapacity', calls: 1 });

    const result = await provider.increase(1);

    expect(result).toMatchObject({ requested: 0, error: { code: 'throttled', retryable: true } });
    expect(provider.capacity()?.desiredCapacity).toBe(0);
    expect(await provider.increase(1)).toEqual({ requested: 1 });
  });

  it.each([
    ['ResourceContention', 'provider_unavailable'],
    ['ScalingActivityInProgress', 'provider_unavailable'],
    ['ServiceLinkedRoleFailure', 'provider_unavailable'],
    ['InternalFailure', 'provider_unavailable'],
    ['ServiceUnavailable', 'provider_unavailable'],
  ])('reports a SetDesiredCapacity failing with %s as retryable %s', async (code, expected) => {
    const provider = await started();
    await inject('/faults/error', { action: 'SetDesiredCapacity', code, calls: 1 });

    const result = await provider.increase(1);

    expect(result).toMatchObject({ requested: 0, error: { code: expected, retryable: true } });
    expect(provider.capacity()?.desiredCapacity).toBe(0);
  });

  it('removes the real instance of a decrease and fails the unknown one on its own', async () => {
    const provider = await started();
    await provider.increase(2);
    const [real = '', kept = ''] = await runningIds(provider, 2);
    const unknown = 'i-0fffffffffffffffe';

    const result = await provider.decrease([unknown, real]);

    expect(result.succeeded).toEqual([real]);
    expect(result.failed.map(failure => [failure.id, failure.error.code])).toEqual([
      [unknown, 'instance_not_found'],
    ]);
    const members = await provider.update();
    expect(members).toContainEqual(expect.objectContaining({ id: real, state: 'deleting' }));
    expect(members).toContainEqual(expect.objectContaining({ id: kept, state: 'running' }));
    expect(provider.capacity()?.desiredCapacity).toBe(1);
  });

  it('adopts a desired capacity set from outside and reports the drift once', async () => {
    const provider = await started();
    await provider.increase(1);

    await clients.autoScaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: name, DesiredCapacity: 3 }),
    );
    await provider.update();
    await provider.update();

    const drift = logs.filter(line => line.msg === 'out-of-sync capacity');
    expect(drift).toEqual([expect.objectContaining({ level: 40, expected: 1, actual: 3 })]);
    expect(provider.capacity()).toEqual({ desiredCapacity: 3, minSize: 0, maxSize });
    // Growing again starts from the adopted value and stays capped.
    expect(await provider.increase(1)).toMatchObject({
      requested: 0,
      error: { code: 'capacity_exceeded' },
    });
  });

  it('surfaces throttled EC2 and Instance Connect calls and a not-yet-visible instance', async () => {
    const provider = await started();
    await provider.increase(1);
    const [id = ''] = await runningIds(provider, 1);

    await inject('/faults/throttle', { action: 'DescribeInstances', calls: 1 });
    await expect(provider.heartbeat(id)).rejects.toMatchObject({
      code: 'throttled',
      retryable: true,
    });
    await inject('/faults/throttle', { action: 'SendSSHPublicKey', calls: 1 });
    await expect(provider.connectInfo(id)).rejects.toMatchObject({
      code: 'throttled',
      retryable: true,
    });
    await inject(`/instances/${id}/hide-once`, {});
    await expect(provider.connectInfo(id)).rejects.toMatchObject({ code: 'instance_not_found' });
    await expect(provider.connectInfo(id)).resolves.toMatchObject({ id, username: 'ec2-user' });
  });
});
