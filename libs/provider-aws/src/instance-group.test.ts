// The provider against the AWS emulator in-process: real SDK clients over loopback HTTP, the
// emulator's manual clock, no instance processes (addresses exist only in the model).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  PutLifecycleHookCommand,
  SuspendProcessesCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, EC2Client } from '@aws-sdk/client-ec2';
import { createManualClock, startAwsEmulator } from '@taskfleet/emulator-aws';
import type { AwsEmulator, ManualClock } from '@taskfleet/emulator-aws';
import { FleetingError } from '@taskfleet/fleeting';
import { pino } from 'pino';

import { AwsInstanceGroup } from './instance-group';
import type { AwsProviderSettings } from './settings';

const bootDelayMs = 5_000;
const profile = 'taskfleet-unit';

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

describe('AwsInstanceGroup on the AWS emulator', () => {
  let emulator: AwsEmulator;
  let clock: ManualClock;
  let autoScaling: AutoScalingClient;
  let ec2: EC2Client;
  let dir: string;
  let logs: LogLine[];
  let groups: AwsInstanceGroup[];
  let sequence = 0;

  beforeEach(async () => {
    clock = createManualClock();
    emulator = await startAwsEmulator({ clock, defaultBootDelayMs: bootDelayMs });
    const admin = {
      endpoint: emulator.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'admin', secretAccessKey: 'admin' },
      maxAttempts: 1,
    };
    autoScaling = new AutoScalingClient(admin);
    ec2 = new EC2Client(admin);
    await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: 'unit-runner',
        LaunchTemplateData: { ImageId: 'ami-0123456789abcdef0', InstanceType: 't3.micro' },
      }),
    );
    // Credentials come through the SDK's default chain from a named profile in a temp file.
    dir = await mkdtemp(join(tmpdir(), 'provider-aws-'));
    await writeFile(
      join(dir, 'credentials'),
      `[${profile}]\naws_access_key_id = AKIDUNIT\naws_secret_access_key = unit-secret\n`,
    );
    await writeFile(join(dir, 'config'), `[profile ${profile}]\nregion = us-east-1\n`);
    logs = [];
    groups = [];
  });

  afterEach(async () => {
    for (const group of groups) {
      await group.shutdown();
    }
    autoScaling.destroy();
    ec2.destroy();
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function createGroup(
    options: { maxSize?: number; minSize?: number; desired?: number; proper?: boolean } = {},
  ): Promise<string> {
    sequence += 1;
    const name = `unit-group-${sequence}`;
    await autoScaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: name,
        LaunchTemplate: { LaunchTemplateName: 'unit-runner', Version: '$Latest' },
        MinSize: options.minSize ?? 0,
        MaxSize: options.maxSize ?? 3,
        DesiredCapacity: options.desired ?? 0,
        AvailabilityZones: ['us-east-1a'],
        NewInstancesProtectedFromScaleIn: options.proper ?? true,
      }),
    );
    if (options.proper ?? true) {
      await autoScaling.send(
        new SuspendProcessesCommand({
          AutoScalingGroupName: name,
          ScalingProcesses: ['AZRebalance'],
        }),
      );
    }
    return name;
  }

  function providerFor(name: string, extra: Partial<AwsProviderSettings> = {}): AwsInstanceGroup {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
          logs.push(JSON.parse(line) as LogLine);
        }
        done();
      },
    });
    const group = new AwsInstanceGroup({
      name,
      region: 'us-east-1',
      profile,
      credentialsFile: join(dir, 'credentials'),
      configFile: join(dir, 'config'),
      endpoint: emulator.endpoint,
      logger: pino({ level: 'debug' }, sink),
      clientOverrides: { maxAttempts: 1 },
      ...extra,
    });
    groups.push(group);
    return group;
  }

  async function adminPost(path: string, body: unknown): Promise<void> {
    const response = await fetch(`${emulator.adminEndpoint}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.ok).toBe(true);
  }

  /** Moves emulator time past the boot delay and polls (bounded) until `count` are running. */
  async function runningIds(group: AwsInstanceGroup, count: number): Promise<string[]> {
    clock.advance(bootDelayMs);
    for (let round = 0; round < 50; round += 1) {
      const members = await group.update();
      if (members.length === count && members.every(member => member.state === 'running')) {
        return members.map(member => member.id);
      }
      await new Promise(resolve => setTimeout(resolve, 20));
    }
    throw new Error(`${count} instances did not reach running`);
  }

  function warnings(msg: string): LogLine[] {
    return logs.filter(line => line.level === 40 && line.msg === msg);
  }

  it('describes itself with the group MaxSize and the credentials of the named profile', async () => {
    const name = await createGroup({ maxSize: 4 });
    const group = providerFor(name);

    const info = await group.init();

    expect(info).toEqual({
      id: `aws/us-east-1/${name}`,
      maxSize: 4,
      version: '0.1.0',
      capabilities: ['removal_hold', 'instance_facts'],
    });
    expect(group.describeGroupSetup()).toMatchObject({
      newInstancesProtectedFromScaleIn: true,
      azRebalanceSuspended: true,
      minSize: 0,
      maxSize: 4,
    });
    expect(warnings('new instances are not protected from scale in and should be')).toEqual([]);
    expect(warnings('AZRebalance is not suspended and should be')).toEqual([]);
    const [call] = emulator.state.calls('DescribeAutoScalingGroups');
    expect(JSON.stringify(call)).not.toContain('unit-secret');
  });

  it('warns about a group set up against the README, and says so in describeGroupSetup', async () => {
    const group = providerFor(await createGroup({ proper: false }));

    await group.init();

    expect(group.describeGroupSetup()).toMatchObject({
      newInstancesProtectedFromScaleIn: false,
      azRebalanceSuspended: false,
    });
    expect(warnings('new instances are not protected from scale in and should be')).toHaveLength(1);
    expect(warnings('AZRebalance is not suspended and should be')).toHaveLength(1);
  });

  it('refuses a group name that matches no group', async () => {
    const group = providerFor('no-such-group');

    await expect(group.init()).rejects.toMatchObject({ code: 'invalid_config', retryable: false });
  });

  it('refuses calls before init', async () => {
    const group = providerFor(await createGroup());

    await expect(group.update()).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('maps Pending to creating, InService to running and Terminating to deleting', async () => {
    const group = providerFor(await createGroup());
    await group.init();

    expect(await group.increase(2)).toEqual({ requested: 2 });
    const pending = await group.update();
    expect(pending).toEqual([
      expect.objectContaining({ state: 'creating', providerState: 'Pending' }),
      expect.objectContaining({ state: 'creating', providerState: 'Pending' }),
    ]);
    const [doomed = '', kept = ''] = await runningIds(group, 2);
    expect(await group.decrease([doomed])).toEqual({ succeeded: [doomed], failed: [] });
    const after = await group.update();
    expect(after).toContainEqual({ id: doomed, state: 'deleting', providerState: 'Terminating' });
    expect(after).toContainEqual({ id: kept, state: 'running', providerState: 'InService' });
    expect(group.capacity()).toEqual({ desiredCapacity: 1, minSize: 0, maxSize: 3 });
    expect(warnings('out-of-sync capacity')).toEqual([]);
  });

  it('sets the desired capacity absolutely, without cooldown', async () => {
    const group = providerFor(await createGroup());
    await group.init();

    await group.increase(1);
    await group.increase(2);

    const params = emulator.state.calls('SetDesiredCapacity').map(call => call.params);
    expect(params).toEqual([
      expect.objectContaining({ DesiredCapacity: '1', HonorCooldown: 'false' }),
      expect.objectContaining({ DesiredCapacity: '3', HonorCooldown: 'false' }),
    ]);
  });

  it('runs overlapping capacity calls one at a time, losing no increase', async () => {
    const group = providerFor(await createGroup());
    await group.init();

    const results = await Promise.all([group.increase(1), group.update(), group.increase(1)]);
    await group.update();

    expect(results[0]).toEqual({ requested: 1 });
    expect(results[2]).toEqual({ requested: 1 });
    const targets = emulator.state
      .calls('SetDesiredCapacity')
      .map(call => call.params.DesiredCapacity);
    expect(targets).toEqual(['1', '2']);
    expect(warnings('out-of-sync capacity')).toEqual([]);
    expect(group.capacity()?.desiredCapacity).toBe(2);
  });

  it('caps an increase at MaxSize and reports the rest as capacity_exceeded (B58)', async () => {
    const name = await createGroup({ maxSize: 3 });
    const group = providerFor(name);
    await group.init();

    const capped = await group.increase(5);

    expect(capped.requested).toBe(3);
    expect(capped.error).toMatchObject({ code: 'capacity_exceeded', retryable: false });
    expect(
      emulator.state.calls('SetDesiredCapacity').map(call => call.params.DesiredCapacity),
    ).toEqual(['3']);
    expect(warnings('capped_by_asg_max')).toEqual([
      expect.objectContaining({ desiredCapacity: 0, delta: 5, maxSize: 3, requested: 3 }),
    ]);
    // Full: no call at all, and nothing requested.
    const full = await group.increase(1);
    expect(full).toMatchObject({ requested: 0, error: { code: 'capacity_exceeded' } });
    expect(emulator.state.calls('SetDesiredCapacity')).toHaveLength(1);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses an increase of %p', async delta => {
    const group = providerFor(await createGroup());
    await group.init();

    await expect(group.increase(delta)).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(emulator.state.calls('SetDesiredCapacity')).toEqual([]);
  });

  it('answers each id of a decrease on its own', async () => {
    const group = providerFor(await createGroup());
    await group.init();
    await group.increase(2);
    const [first = '', second = ''] = await runningIds(group, 2);
    const stranger = 'i-0fffffffffffffffe';

    const result = await group.decrease([stranger, first, second]);

    expect(result.succeeded).toEqual([first, second]);
    expect(result.failed).toEqual([{ id: stranger, error: expect.any(FleetingError) }]);
    expect(result.failed[0]?.error).toMatchObject({
      code: 'instance_not_found',
      instanceId: stranger,
    });
    // The stranger was never sent to AWS: TerminateInstance… takes no group name.
    const terminated = emulator.state.calls('TerminateInstanceInAutoScalingGroup');
    expect(terminated.map(call => call.params.InstanceId)).toEqual([first, second]);
    expect(terminated.every(call => call.params.ShouldDecrementDesiredCapacity === 'true')).toBe(
      true,
    );
    expect(group.capacity()?.desiredCapacity).toBe(0);
    // Asking again for members already terminating sends nothing and decrements nothing.
    expect(await group.decrease([first])).toEqual({ succeeded: [first], failed: [] });
    expect(emulator.state.calls('TerminateInstanceInAutoScalingGroup')).toHaveLength(2);
  });

  it('gives throttled, accepted and below-MinSize terminations each their own answer', async () => {
    const group = providerFor(await createGroup({ minSize: 2, desired: 3, maxSize: 3 }));
    await group.init();
    const [first = '', second = '', third = ''] = await runningIds(group, 3);
    await adminPost('/faults/throttle', {
      action: 'TerminateInstanceInAutoScalingGroup',
      calls: 1,
    });

    const result = await group.decrease([first, second, third]);

    expect(result.succeeded).toEqual([second]);
    const failures = result.failed.map(failure => [
      failure.id,
      failure.error.code,
      failure.error.retryable,
    ]);
    expect(failures).toEqual([
      [first, 'throttled', true],
      [third, 'invalid_config', false],
    ]);
    expect(group.capacity()?.desiredCapacity).toBe(2);
  });

  it('refuses duplicate ids and answers an empty decrease without calls', async () => {
    const group = providerFor(await createGroup());
    await group.init();

    await expect(group.decrease(['i-01', 'i-01'])).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    expect(await group.decrease([])).toEqual({ succeeded: [], failed: [] });
    expect(emulator.state.calls('TerminateInstanceInAutoScalingGroup')).toEqual([]);
  });

  it('rejects canceled when the call is aborted, and marks untried ids of a decrease', async () => {
    const group = providerFor(await createGroup());
    await group.init();
    const aborted = AbortSignal.abort();

    await expect(group.update({ signal: aborted })).rejects.toMatchObject({ code: 'canceled' });
    await expect(group.increase(1, { signal: aborted })).rejects.toMatchObject({
      code: 'canceled',
    });
    const result = await group.decrease(['i-0aaaaaaaaaaaaaaaa'], { signal: aborted });
    expect(result.failed.map(failure => failure.error.code)).toEqual(['canceled']);
  });

  it('shuts down idempotently and refuses every call afterwards', async () => {
    const group = providerFor(await createGroup());
    await group.init();

    await group.shutdown();
    await group.shutdown();

    await expect(group.init()).rejects.toMatchObject({ code: 'shut_down' });
    await expect(group.increase(1)).rejects.toMatchObject({ code: 'shut_down' });
    await expect(group.connectInfo('i-0123456789')).rejects.toMatchObject({ code: 'shut_down' });
  });
  it('reports a member held by a termination hook, heartbeats it and completes it', async () => {
    const name = await createGroup({ desired: 2 });
    await autoScaling.send(
      new PutLifecycleHookCommand({
        AutoScalingGroupName: name,
        LifecycleHookName: 'drain',
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        HeartbeatTimeout: 120,
      }),
    );
    const group = providerFor(name);
    await group.init();
    const [held = '', other = ''] = await runningIds(group, 2);
    await adminPost(`/groups/${name}/instance-refresh`, { instanceIds: [held] });

    const members = await group.update();
    expect(members.find(m => m.id === held)).toEqual({
      id: held,
      state: 'deleting',
      providerState: 'Terminating:Wait',
      removalHold: { timeoutMs: 120_000 },
    });
    expect(members.find(m => m.id === other)?.removalHold).toBeUndefined();
    await group.extendRemovalHold(held);
    expect(emulator.state.calls('RecordLifecycleActionHeartbeat').map(c => c.params)).toEqual([
      expect.objectContaining({
        AutoScalingGroupName: name,
        LifecycleHookName: 'drain',
        InstanceId: held,
      }),
    ]);
    await group.releaseRemovalHold(held);
    const [complete] = emulator.state.calls('CompleteLifecycleAction');
    expect(complete?.params).toMatchObject({ InstanceId: held, LifecycleActionResult: 'CONTINUE' });
    // Released twice, or extended after release: not found, the second release is a no-op.
    await group.releaseRemovalHold(held);
    await expect(group.extendRemovalHold(held)).rejects.toMatchObject({
      code: 'instance_not_found',
    });
    expect((await group.update()).find(m => m.id === held)?.removalHold).toBeUndefined();
  });
});
