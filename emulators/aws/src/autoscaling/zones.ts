import { regionZones } from '../model/context';
import type { AutoScalingGroup, GroupMember, GroupSubnet } from './group';
import { countByZone } from './group';

/**
 * Maps subnet ids to zones: a subnet is placed in the next zone of the region the first time
 * it is seen (subnet 1 → `<region>a`, subnet 2 → `<region>b`, …), and keeps that zone.
 */
export class SubnetZones {
  private readonly zones: string[];
  private readonly bySubnet = new Map<string, string>();

  constructor(region: string) {
    this.zones = regionZones(region);
  }

  /** The zone of a subnet. */
  zoneOf(subnetId: string): string {
    let zone = this.bySubnet.get(subnetId);
    if (zone === undefined) {
      zone = this.zones[this.bySubnet.size % this.zones.length] ?? this.zones[0] ?? '';
      this.bySubnet.set(subnetId, zone);
    }
    return zone;
  }

  /** Every zone of the region. */
  regionZones(): readonly string[] {
    return this.zones;
  }

  /** A made-up default subnet for a zone, used when the group names zones, not subnets. */
  defaultSubnet(zone: string): GroupSubnet {
    const index = this.zones.indexOf(zone);
    return {
      subnetId: `subnet-0def${String(index + 1).padStart(13, '0')}`,
      availabilityZone: zone,
    };
  }
}

/** The zone a new instance goes to: the group's zone with the fewest active members (list order breaks ties). */
export function chooseLaunchZone(
  group: AutoScalingGroup,
  active: readonly GroupMember[],
): string | undefined {
  const counts = countByZone(group, active);
  let best: string | undefined;
  for (const zone of group.availabilityZones) {
    if (best === undefined || (counts.get(zone) ?? 0) < (counts.get(best) ?? 0)) {
      best = zone;
    }
  }
  return best;
}

/** The subnet to launch into in a zone. */
export function subnetFor(group: AutoScalingGroup, zone: string, zones: SubnetZones): GroupSubnet {
  return group.subnets.find(s => s.availabilityZone === zone) ?? zones.defaultSubnet(zone);
}
