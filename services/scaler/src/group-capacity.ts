import type { InstanceGroup } from '@taskfleet/fleeting';

/** The group's capacity figures as the provider last read them from the cloud. */
export interface GroupCapacity {
  readonly desiredCapacity: number;
  readonly maxSize: number;
}

interface CapacitySource {
  capacity(): GroupCapacity | undefined;
}

function hasCapacity(provider: InstanceGroup): provider is InstanceGroup & CapacitySource {
  return typeof (provider as Partial<CapacitySource>).capacity === 'function';
}

/**
 * The desired capacity and max size of providers that report them (AwsInstanceGroup, after
 * init or update); undefined for providers that do not.
 */
export function groupCapacityOf(provider: InstanceGroup): GroupCapacity | undefined {
  const capacity = hasCapacity(provider) ? provider.capacity() : undefined;
  return capacity === undefined
    ? undefined
    : { desiredCapacity: capacity.desiredCapacity, maxSize: capacity.maxSize };
}
