import type { Random } from '../random';
import type { AutoScalingGroup, GroupMember } from './group';
import { countByZone } from './group';

const HOUR_MS = 3_600_000;

/**
 * Picks `count` members to terminate the way AWS's Default termination policy does: from the
 * zone with the most members (that has an unprotected one), then by the group's policies
 * (Default = oldest launch template, then closest to the next billing hour), then at random.
 * Protected members are never picked; fewer than `count` come back if too few are unprotected.
 */
export function chooseScaleInVictims(
  group: AutoScalingGroup,
  active: readonly GroupMember[],
  count: number,
  nowMs: number,
  random: Random,
): GroupMember[] {
  const remaining = [...active];
  const victims: GroupMember[] = [];
  while (victims.length < count) {
    const victim = chooseOne(group, remaining, nowMs, random, undefined);
    if (victim === undefined) {
      break;
    }
    victims.push(victim);
    remaining.splice(remaining.indexOf(victim), 1);
  }
  return victims;
}

/** Picks one unprotected member, optionally only from `zone` (for AZ rebalancing). */
export function chooseOne(
  group: AutoScalingGroup,
  active: readonly GroupMember[],
  nowMs: number,
  random: Random,
  zone: string | undefined,
): GroupMember | undefined {
  const candidates = active.filter(
    m => !m.protectedFromScaleIn && (zone === undefined || m.availabilityZone === zone),
  );
  if (candidates.length === 0) {
    return undefined;
  }
  // Zone first: the zone with the most members overall, among zones that have a candidate.
  const counts = countByZone(group, active);
  const candidateZones = new Set(candidates.map(m => m.availabilityZone));
  const busiest = Math.max(...[...candidateZones].map(z => counts.get(z) ?? 0));
  let pool = candidates.filter(m => (counts.get(m.availabilityZone) ?? 0) === busiest);

  for (const policy of policyOrder(group.terminationPolicies)) {
    pool = narrow(pool, policy, group, nowMs);
    if (pool.length === 1) {
      return pool[0];
    }
  }
  return pool[Math.floor(random.next() * pool.length)];
}

type Rule =
  'OldestLaunchTemplate' | 'ClosestToNextInstanceHour' | 'OldestInstance' | 'NewestInstance';

function policyOrder(policies: readonly string[]): Rule[] {
  const rules: Rule[] = [];
  for (const policy of policies.length === 0 ? ['Default'] : policies) {
    if (policy === 'Default') {
      rules.push('OldestLaunchTemplate', 'ClosestToNextInstanceHour');
    } else if (policy === 'OldestLaunchTemplate' || policy === 'OldestLaunchConfiguration') {
      rules.push('OldestLaunchTemplate');
    } else if (
      policy === 'ClosestToNextInstanceHour' ||
      policy === 'OldestInstance' ||
      policy === 'NewestInstance'
    ) {
      rules.push(policy);
    }
  }
  return rules;
}

function narrow(
  pool: GroupMember[],
  rule: Rule,
  group: AutoScalingGroup,
  nowMs: number,
): GroupMember[] {
  const score = (m: GroupMember): number => {
    switch (rule) {
      case 'OldestLaunchTemplate':
        // Members not on the group's current template go first, oldest template first.
        return m.launchTemplate?.launchTemplateId === group.launchTemplate.launchTemplateId
          ? Number.MAX_SAFE_INTEGER
          : m.launchTemplateCreatedMs;
      case 'ClosestToNextInstanceHour':
        return HOUR_MS - ((nowMs - m.launchTimeMs) % HOUR_MS);
      case 'OldestInstance':
        return m.launchTimeMs;
      case 'NewestInstance':
        return -m.launchTimeMs;
    }
  };
  const best = Math.min(...pool.map(score));
  return pool.filter(m => score(m) === best);
}
