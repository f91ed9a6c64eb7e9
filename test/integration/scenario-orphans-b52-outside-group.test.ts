// B52 (kind 2, with B08, B26, B32): an instance with this pool's launch tags that is no member
// of the group (detached here; a group replaced under it or a crashed run leave the same) is
// found by DescribeInstances by tag, confirmed like any orphan (older than the boot grace, seen
// on two sweeps, no claim naming it) and ended with TerminateInstances. An untagged instance and
// one of another cluster are never touched; a claimed one is kept until its claim is gone.
import {
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  DetachInstancesCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import type { Tag } from '@aws-sdk/client-ec2';
import type { CallRecord } from '@taskfleet/emulator-aws';
import { OWNER_TAG_KEYS } from '@taskfleet/provider-aws';
import type { TickOutcome } from '@taskfleet/scaler';

import { settingsWith, startScalerWorld } from './scaler-harness';
import type { ScalerWorld } from './scaler-harness';
import { linuxImageId } from './support/scenario-names';

jest.setTimeout(90_000);

const ownerTags = { clusterId: 'cluster-b52-out', pool: 'pool-out' };
const straySweepIntervalMs = 10_000;
const orphanGraceMs = 5_000;

function led(outcome: TickOutcome) {
  if (!outcome.led) {
    throw new Error('the scaler did not lead');
  }
  return outcome;
}

/** A group of one instance outside the scaler's view, launched with `tags`; returns its name. */
async function foreignGroup(world: ScalerWorld, name: string, tags: Tag[]): Promise<string> {
  await world.clients.ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: `${name}-lt`,
      LaunchTemplateData: {
        ImageId: linuxImageId,
        InstanceType: 't3.micro',
        ...(tags.length === 0
          ? {}
          : { TagSpecifications: [{ ResourceType: 'instance', Tags: tags }] }),
      },
    }),
  );
  await world.clients.autoScaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: name,
      LaunchTemplate: { LaunchTemplateName: `${name}-lt`, Version: '$Latest' },
      MinSize: 0,
      MaxSize: 1,
      DesiredCapacity: 1,
      AvailabilityZones: ['us-east-1a'],
    }),
  );
  return name;
}

async function membersOf(world: ScalerWorld, name: string): Promise<string[]> {
  const answer = await world.clients.autoScaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }),
  );
  return (answer.AutoScalingGroups?.[0]?.Instances ?? []).map(i => i.InstanceId ?? '');
}

async function detach(world: ScalerWorld, name: string, ids: string[]): Promise<void> {
  await world.clients.autoScaling.send(
    new DetachInstancesCommand({
      AutoScalingGroupName: name,
      InstanceIds: ids,
      ShouldDecrementDesiredCapacity: true,
    }),
  );
}

async function ec2States(world: ScalerWorld, ids: string[]): Promise<Record<string, string>> {
  const answer = await world.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
  return Object.fromEntries(
    (answer.Reservations ?? [])
      .flatMap(r => r.Instances ?? [])
      .map(i => [i.InstanceId ?? '', i.State?.Name ?? '']),
  );
}

const ended = (state: string | undefined) => state === 'shutting-down' || state === 'terminated';

function terminated(call: CallRecord): string[] {
  return Object.entries(call.params)
    .filter(([key]) => key.startsWith('InstanceId.'))
    .map(([, value]) => String(value));
}

describe('B52 tagged instances outside the group', () => {
  let world: ScalerWorld;

  beforeEach(async () => {
    world = await startScalerWorld({ ownerTags });
  });

  afterEach(async () => {
    await world.cleanup();
  });

  it('B52 ends a confirmed tagged instance outside the group, never a stranger, not while claimed', async () => {
    const settings = settingsWith({ capacityPerInstance: 1, maxInstanceCount: 3 });
    const scaler = world.scaler('scaler-b52', settings, undefined, {
      orphanGraceMs,
      straySweepIntervalMs,
    });
    const other = await foreignGroup(world, 'foreign-other-cluster', [
      { Key: OWNER_TAG_KEYS.clusterId, Value: 'another-cluster' },
      { Key: OWNER_TAG_KEYS.pool, Value: ownerTags.pool },
    ]);
    const untagged = await foreignGroup(world, 'foreign-untagged', []);
    world.queued = 2;
    await world.tickUntil(scaler, async () => {
      const snapshot = await world.registry.snapshot();
      return snapshot.instances.filter(i => i.state === 'ready').length === 2;
    });
    const claim = await world.registry.claimSlot('job-held');
    const held = claim?.instanceId ?? '';
    world.queued = 0;
    const [free = ''] = (await membersOf(world, world.groupName)).filter(id => id !== held);
    const strangers = [...(await membersOf(world, other)), ...(await membersOf(world, untagged))];
    expect(strangers).toHaveLength(2);
    await detach(world, world.groupName, [free, held]);
    await detach(world, other, strangers.slice(0, 1));
    await detach(world, untagged, strangers.slice(1));
    const callsBefore = world.emulator.state.calls('DescribeInstances').length;

    const outcomes = await world.tickUntil(
      scaler,
      async () => ended((await ec2States(world, [free]))[free]),
      { stepMs: 2_000, maxTicks: 30 },
    );
    const strays = outcomes.map(o => led(o).reconcile.strays);
    expect(strays.flatMap(s => s.removed)).toEqual([free]);
    // Seen first, confirmed only on a later sweep past the boot grace.
    const firstSeen = strays.findIndex(s => s.suspected.includes(free));
    const removedAt = strays.findIndex(s => s.removed.includes(free));
    expect(firstSeen).toBeGreaterThanOrEqual(0);
    expect(removedAt).toBeGreaterThan(firstSeen);
    // The claimed one keeps its record (deleting, so no new claim) and its claim while it runs.
    expect(outcomes.every(o => led(o).reconcile.heldOutside.includes(held))).toBe(true);
    const record = (await world.registry.snapshot()).instances.find(i => i.instanceId === held);
    expect(record).toMatchObject({ state: 'deleting', claimedSlots: 1 });
    expect(strays.flatMap(s => s.suspected)).not.toContain(held);
    expect(outcomes.some(o => led(o).orphanAgeSeconds > 0)).toBe(true);
    // One DescribeInstances by tag per sweep, not per tick, and one fresh look before ending.
    const swept = strays.filter(s => s.swept).length;
    const byTag = world.emulator.state
      .calls('DescribeInstances')
      .slice(callsBefore)
      .filter(c => Object.values(c.params).includes(`tag:${OWNER_TAG_KEYS.clusterId}`));
    expect(byTag.length).toBe(swept + 1);
    expect(swept).toBeLessThan(outcomes.length);
    const states = await ec2States(world, [held, ...strangers]);
    expect(states).toEqual(Object.fromEntries([held, ...strangers].map(id => [id, 'running'])));

    // Once the claim is gone, the held one is confirmed and ended like the first.
    await world.registry.releaseSlot('job-held');
    await world.tickUntil(scaler, async () => ended((await ec2States(world, [held]))[held]), {
      stepMs: 2_000,
      maxTicks: 30,
    });
    const ends = world.emulator.state.calls('TerminateInstances').flatMap(terminated);
    expect(ends.sort()).toEqual([free, held].sort());
    expect(await ec2States(world, strangers)).toEqual(
      Object.fromEntries(strangers.map(id => [id, 'running'])),
    );
  });
});
