import { createRandom } from '../random';
import type { AutoScalingGroup, GroupMember } from './group';
import { chooseScaleInVictims } from './termination-policy';

const HOUR_MS = 3_600_000;
const NOW_MS = Date.UTC(2026, 0, 1, 12);

function member(id: string, zone: string, extra: Partial<GroupMember> = {}): GroupMember {
  return {
    instanceId: id,
    availabilityZone: zone,
    subnetId: 'subnet-1',
    instanceType: 't3.micro',
    imageId: 'ami-1',
    launchTemplate: { launchTemplateId: 'lt-current', launchTemplateName: 'current', version: '1' },
    launchTemplateCreatedMs: 0,
    launchTimeMs: NOW_MS - HOUR_MS / 2,
    lifecycleState: 'InService',
    healthStatus: 'Healthy',
    protectedFromScaleIn: false,
    launchActivityId: undefined,
    terminateActivityId: undefined,
    pendingActions: new Map(),
    ...extra,
  };
}

function group(policies: string[] = ['Default']): AutoScalingGroup {
  return {
    availabilityZones: ['a', 'b', 'c'],
    launchTemplate: {
      launchTemplateId: 'lt-current',
      launchTemplateName: 'current',
      version: '$Latest',
    },
    terminationPolicies: policies,
  } as unknown as AutoScalingGroup;
}

const oldTemplate = { launchTemplateId: 'lt-old', launchTemplateName: 'old', version: '1' };

describe('chooseScaleInVictims (Default policy)', () => {
  it.each<[string, GroupMember[], number, string[]]>([
    [
      'the zone with the most members goes first, even if another zone has an instance closer to its billing hour',
      [
        member('a1', 'a', { launchTimeMs: NOW_MS - HOUR_MS * 0.99 }),
        member('b1', 'b'),
        member('b2', 'b', { launchTimeMs: NOW_MS - 100 }),
      ],
      1,
      ['b1'],
    ],
    [
      'within the zone, an instance on an older launch template goes first',
      [
        member('b1', 'b'),
        member('b2', 'b', { launchTemplate: oldTemplate, launchTemplateCreatedMs: -1 }),
        member('a1', 'a'),
      ],
      1,
      ['b2'],
    ],
    [
      'then the one closest to its next billing hour',
      [
        member('a1', 'a', { launchTimeMs: NOW_MS - HOUR_MS * 0.9 }),
        member('a2', 'a', { launchTimeMs: NOW_MS - HOUR_MS * 0.1 }),
      ],
      1,
      ['a1'],
    ],
    [
      'protected members are never picked',
      [
        member('a1', 'a', { protectedFromScaleIn: true }),
        member('b1', 'b', { protectedFromScaleIn: true }),
      ],
      2,
      [],
    ],
    [
      'a zone whose members are all protected is skipped',
      [
        member('a1', 'a', { protectedFromScaleIn: true }),
        member('a2', 'a', { protectedFromScaleIn: true }),
        member('b1', 'b'),
      ],
      1,
      ['b1'],
    ],
    [
      'several victims keep the zones balanced',
      [
        member('a1', 'a', { launchTimeMs: NOW_MS - HOUR_MS * 0.5 }),
        member('a2', 'a', { launchTimeMs: NOW_MS - HOUR_MS * 0.4 }),
        member('b1', 'b', { launchTimeMs: NOW_MS - HOUR_MS * 0.45 }),
        member('b2', 'b', { launchTimeMs: NOW_MS - HOUR_MS * 0.1 }),
      ],
      2,
      ['a1', 'b1'],
    ],
  ])('%s', (_label, members, count, expected) => {
    const victims = chooseScaleInVictims(group(), members, count, NOW_MS, createRandom(7));
    // Where the rules leave a tie, the random step decides; these cases are built to have none.
    expect(victims.map(v => v.instanceId).sort()).toEqual([...expected].sort());
  });

  it('breaks a full tie at random, repeatably for a seed', () => {
    const members = ['a1', 'a2', 'a3', 'a4'].map(id => member(id, 'a'));
    const pick = (seed: number): string[] =>
      chooseScaleInVictims(group(), members, 2, NOW_MS, createRandom(seed)).map(v => v.instanceId);
    expect(pick(1)).toEqual(pick(1));
    const outcomes = new Set([1, 2, 3, 4, 5, 6, 7, 8].map(seed => pick(seed).join(',')));
    expect(outcomes.size).toBeGreaterThan(1);
  });

  it('honours OldestInstance and NewestInstance policies', () => {
    const members = [
      member('old', 'a', { launchTimeMs: NOW_MS - 5000 }),
      member('new', 'a', { launchTimeMs: NOW_MS - 10 }),
    ];
    expect(
      chooseScaleInVictims(group(['OldestInstance']), members, 1, NOW_MS, createRandom(1))[0]
        ?.instanceId,
    ).toBe('old');
    expect(
      chooseScaleInVictims(group(['NewestInstance']), members, 1, NOW_MS, createRandom(1))[0]
        ?.instanceId,
    ).toBe('new');
  });
});
