import { createModelHarness, groupParams } from '../testing/model-harness';
import type { ModelHarness } from '../testing/model-harness';

describe('group state machine (manual clock, no HTTP)', () => {
  let h: ModelHarness;
  beforeEach(async () => {
    h = await createModelHarness();
  });
  afterEach(() => {
    h.close();
  });

  const memberIn = (group: string, zone: string): string => {
    const member = [...h.group(group).members.values()].find(
      m => m.availabilityZone === zone && m.lifecycleState === 'InService',
    );
    if (member === undefined) {
      throw new Error(`no in-service member in ${zone}`);
    }
    return member.instanceId;
  };

  it('spreads launches across zones and moves Pending → InService only after the boot delay', async () => {
    await h.call('CreateAutoScalingGroup', groupParams('g', { DesiredCapacity: 4 }));
    expect(h.zones('g')).toEqual({ 'us-east-1a': 2, 'us-east-1b': 2 });
    expect(h.states('g')).toEqual(['Pending', 'Pending', 'Pending', 'Pending']);
    expect(h.model.ec2.list().map(i => i.state)).toEqual([
      'pending',
      'pending',
      'pending',
      'pending',
    ]);
    await h.advance(1000);
    expect(h.states('g')).toEqual(['InService', 'InService', 'InService', 'InService']);
    expect(h.model.ec2.list().map(i => i.state)).toEqual([
      'running',
      'running',
      'running',
      'running',
    ]);
  });

  it('AZRebalance: launches in the short zone, then terminates in the long one', async () => {
    await h.call('CreateAutoScalingGroup', groupParams('g', { DesiredCapacity: 4 }));
    await h.advance(1000);
    const first = memberIn('g', 'us-east-1a');
    await h.call('TerminateInstanceInAutoScalingGroup', {
      InstanceId: first,
      ShouldDecrementDesiredCapacity: true,
    });
    expect(h.zones('g')).toEqual({ 'us-east-1a': 1, 'us-east-1b': 2 });
    const second = memberIn('g', 'us-east-1a');
    await h.call('TerminateInstanceInAutoScalingGroup', {
      InstanceId: second,
      ShouldDecrementDesiredCapacity: true,
    });
    // Zones 0 / 2: the rebalance launches first, so the group briefly runs above desired.
    expect(h.group('g').desiredCapacity).toBe(2);
    expect(h.zones('g')).toEqual({ 'us-east-1a': 1, 'us-east-1b': 2 });
    await h.advance(1000);
    expect(h.zones('g')).toEqual({ 'us-east-1a': 1, 'us-east-1b': 1 });
    const leavingB = [...h.group('g').members.values()].filter(
      m => m.availabilityZone === 'us-east-1b' && m.lifecycleState === 'Terminating',
    );
    expect(leavingB).toHaveLength(1);
    expect(h.model.autoscaling.activities.list('g')[0]?.cause).toMatch(
      /Availability Zone rebalancing/,
    );
  });

  it('AZRebalance suspended, or only protected members in the long zone: the group stays unbalanced', async () => {
    for (const [name, suspend, protect] of [
      ['s', true, false],
      ['p', false, true],
    ] as const) {
      await h.call(
        'CreateAutoScalingGroup',
        groupParams(name, { DesiredCapacity: 4, NewInstancesProtectedFromScaleIn: protect }),
      );
      if (suspend) {
        await h.call('SuspendProcesses', {
          AutoScalingGroupName: name,
          'ScalingProcesses.member.1': 'AZRebalance',
        });
      }
      await h.advance(1000);
      for (let i = 0; i < 2; i++) {
        await h.call('TerminateInstanceInAutoScalingGroup', {
          InstanceId: memberIn(name, 'us-east-1a'),
          ShouldDecrementDesiredCapacity: true,
        });
      }
      await h.advance(2000);
      expect(h.zones(name)).toEqual({ 'us-east-1b': 2 });
    }
  });

  it('a launch hook ABANDON terminates the instance and a replacement launches', async () => {
    await h.call('CreateAutoScalingGroup', {
      ...groupParams('g', { DesiredCapacity: 1 }),
      'LifecycleHookSpecificationList.member.1.LifecycleHookName': 'init',
      'LifecycleHookSpecificationList.member.1.LifecycleTransition':
        'autoscaling:EC2_INSTANCE_LAUNCHING',
      'LifecycleHookSpecificationList.member.1.HeartbeatTimeout': 300,
    });
    await h.advance(1000);
    const [id] = [...h.group('g').members.keys()];
    expect(h.states('g')).toEqual(['Pending:Wait']);
    await h.call('CompleteLifecycleAction', {
      AutoScalingGroupName: 'g',
      LifecycleHookName: 'init',
      InstanceId: id ?? '',
      LifecycleActionResult: 'ABANDON',
    });
    expect(h.states('g')).toEqual(['Pending', 'Terminating']);
    expect(h.host.launched.get(id ?? '')?.terminated).toBe(true);
  });

  it.each([
    ['CONTINUE', ['InService']],
    ['ABANDON', ['Pending', 'Terminating']],
  ])('a launch hook that times out applies DefaultResult %s', async (defaultResult, expected) => {
    await h.call('CreateAutoScalingGroup', groupParams('g', { DesiredCapacity: 1 }));
    await h.call('PutLifecycleHook', {
      AutoScalingGroupName: 'g',
      LifecycleHookName: 'init',
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
      HeartbeatTimeout: 30,
      DefaultResult: defaultResult,
    });
    await h.advance(1000);
    await h.advance(29_999);
    expect(h.states('g')).toEqual(['Pending:Wait']);
    await h.advance(1);
    expect(h.states('g')).toEqual(expected);
  });

  it('heartbeats extend a hook only up to its global timeout (100 × heartbeat)', async () => {
    await h.call('CreateAutoScalingGroup', groupParams('g', { DesiredCapacity: 1 }));
    await h.call('PutLifecycleHook', {
      AutoScalingGroupName: 'g',
      LifecycleHookName: 'init',
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
      HeartbeatTimeout: 30,
      DefaultResult: 'CONTINUE',
    });
    await h.advance(1000);
    const [id] = [...h.group('g').members.keys()];
    for (let i = 0; i < 110 && h.states('g')[0] === 'Pending:Wait'; i++) {
      await h.advance(29_000);
      if (h.states('g')[0] === 'Pending:Wait') {
        await h.call('RecordLifecycleActionHeartbeat', {
          AutoScalingGroupName: 'g',
          LifecycleHookName: 'init',
          InstanceId: id ?? '',
        });
      }
    }
    expect(h.states('g')).toEqual(['InService']);
    expect(h.clock.now() - h.group('g').createdTimeMs).toBeGreaterThanOrEqual(3_000_000);
    expect(h.clock.now() - h.group('g').createdTimeMs).toBeLessThan(3_031_000);
  });

  it('with HealthCheck suspended a dead instance stays InService until the process resumes', async () => {
    await h.call('CreateAutoScalingGroup', groupParams('g', { DesiredCapacity: 1 }));
    await h.call('SuspendProcesses', {
      AutoScalingGroupName: 'g',
      'ScalingProcesses.member.1': 'HealthCheck',
    });
    await h.advance(1000);
    const [id] = [...h.group('g').members.keys()];
    await h.call('TerminateInstances', { 'InstanceId.1': id ?? '' });
    await h.advance(500);
    expect(h.states('g')).toEqual(['InService']);
    await h.call('ResumeProcesses', { AutoScalingGroupName: 'g' });
    expect(h.states('g')).toEqual(['Pending']);
  });

  it('a host that fails to start sshd ends the instance, and the group replaces it', async () => {
    h.host.failNextLaunch = new Error('sshd did not start');
    await h.call('CreateAutoScalingGroup', groupParams('g', { DesiredCapacity: 1 }));
    const failed = h.model.ec2.list()[0];
    expect(failed?.state).toBe('shutting-down');
    expect(failed?.stateReason?.code).toBe('Server.InternalError');
    expect(h.states('g')).toEqual(['Pending', 'Terminating']);
    await h.advance(1000);
    expect(h.states('g')).toEqual(['InService']);
  });

  it('scale-in never picks protected members, so desired can sit below the actual count', async () => {
    await h.call('CreateAutoScalingGroup', groupParams('g', { DesiredCapacity: 3 }));
    await h.advance(1000);
    const ids = [...h.group('g').members.keys()];
    await h.call('SetInstanceProtection', {
      AutoScalingGroupName: 'g',
      'InstanceIds.member.1': ids[0] ?? '',
      'InstanceIds.member.2': ids[1] ?? '',
      ProtectedFromScaleIn: true,
    });
    await h.call('SetDesiredCapacity', { AutoScalingGroupName: 'g', DesiredCapacity: 0 });
    await h.advance(500);
    expect([...h.group('g').members.keys()].sort()).toEqual([ids[0], ids[1]].sort());
    expect(h.group('g').desiredCapacity).toBe(0);
  });

  it('keeps terminated instances visible in EC2 for the retention time, then forgets them', async () => {
    await h.call('CreateAutoScalingGroup', groupParams('g', { DesiredCapacity: 1 }));
    await h.advance(1000);
    await h.call('SetDesiredCapacity', { AutoScalingGroupName: 'g', DesiredCapacity: 0 });
    await h.advance(500);
    expect(h.group('g').members.size).toBe(0);
    expect(h.model.ec2.list().map(i => i.state)).toEqual(['terminated']);
    await h.advance(3_600_000);
    expect(h.model.ec2.list()).toEqual([]);
  });

  it('jitter spreads boot times within [delay, delay + jitter) per group', async () => {
    h.model.faults.boot.set('g', { bootDelayMs: 1000, bootJitterMs: 4000, bootMode: 'ok' });
    await h.call('CreateAutoScalingGroup', groupParams('g', { DesiredCapacity: 6 }));
    const inServiceAt: number[] = [];
    for (let t = 0; t < 5000; t += 100) {
      await h.advance(100);
      const count = h.states('g').filter(s => s === 'InService').length;
      while (inServiceAt.length < count) {
        inServiceAt.push(t + 100);
      }
    }
    expect(inServiceAt).toHaveLength(6);
    expect(Math.min(...inServiceAt)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...inServiceAt)).toBeLessThanOrEqual(5000);
    expect(new Set(inServiceAt).size).toBeGreaterThan(1);
  });

  it('scale-in with a dead member (HealthCheck suspended) ends at exactly the desired count', async () => {
    // The dead member's termination finishes synchronously inside the scale-in; over several
    // seeds and positions it is sometimes the first victim, which once picked a victim twice.
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      for (const deadIndex of [0, 1, 2]) {
        const local = await createModelHarness({}, seed);
        await local.call('CreateAutoScalingGroup', groupParams('g', { DesiredCapacity: 3 }));
        await local.call('SuspendProcesses', {
          AutoScalingGroupName: 'g',
          'ScalingProcesses.member.1': 'HealthCheck',
        });
        await local.advance(1000);
        const dead = [...local.group('g').members.keys()][deadIndex] ?? '';
        await local.call('TerminateInstances', { 'InstanceId.1': dead });
        await local.advance(500);
        await local.call('SetDesiredCapacity', { AutoScalingGroupName: 'g', DesiredCapacity: 1 });
        const active = local.states('g').filter(s => s === 'InService' || s === 'Pending');
        expect({ seed, deadIndex, active: active.length }).toEqual({ seed, deadIndex, active: 1 });
        local.close();
      }
    }
  });
});
