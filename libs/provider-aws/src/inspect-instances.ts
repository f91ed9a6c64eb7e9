import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import type { EC2Client, Instance } from '@aws-sdk/client-ec2';
import { FleetingError } from '@taskfleet/fleeting';
import type { InstanceFacts, LostReason } from '@taskfleet/fleeting';

import { classifyAwsError } from './classify-aws-error';

/** The tag keys that mark an instance as launched for one taskfleet pool. */
export const OWNER_TAG_KEYS = {
  clusterId: 'taskfleet:cluster-id',
  pool: 'taskfleet:pool',
} as const;

/** Which cluster and pool this group's instances belong to; the launch template sets both tags. */
export interface OwnerTags {
  readonly clusterId: string;
  readonly pool: string;
}

// DescribeInstances takes at most 1000 ids per call.
const idsPerCall = 1000;
const instanceIdPattern = /^i-[0-9a-f]{8,32}$/;
const spotCode = 'Server.SpotInstanceTermination';
const endedStates: ReadonlySet<string> = new Set(['shutting-down', 'terminated']);

function ownedBy(instance: Instance, owner: OwnerTags | undefined): boolean {
  if (owner === undefined) {
    return false;
  }
  const tags = new Map((instance.Tags ?? []).map(tag => [tag.Key, tag.Value]));
  return (
    tags.get(OWNER_TAG_KEYS.clusterId) === owner.clusterId &&
    tags.get(OWNER_TAG_KEYS.pool) === owner.pool
  );
}

function lostBy(instance: Instance): LostReason | undefined {
  if (!endedStates.has(instance.State?.Name ?? '')) {
    return undefined;
  }
  // EC2 gives the cause in StateReason; a spot reclaim is Server.SpotInstanceTermination.
  return instance.StateReason?.Code === spotCode ? 'spot' : 'external';
}

/**
 * The facts of one described instance. `lostBy` is set for any ended instance: EC2 does not say
 * who asked, so the caller asks only about instances it did not end itself.
 */
export function factsOf(instance: Instance, owner: OwnerTags | undefined): InstanceFacts {
  const id = instance.InstanceId ?? '';
  const lost = lostBy(instance);
  return {
    id,
    ...(instance.LaunchTime === undefined ? {} : { launchedAtMs: instance.LaunchTime.getTime() }),
    ownedByPool: ownedBy(instance, owner),
    ...(lost === undefined ? {} : { lostBy: lost }),
  };
}

/**
 * Describes the named instances with DescribeInstances (one call per 1000 ids) and reads their
 * facts: launch time, the pool's ownership tags, and why EC2 ended one we did not ask to end.
 */
export async function inspectInstances(
  ec2: EC2Client,
  ids: readonly string[],
  owner: OwnerTags | undefined,
  signal?: AbortSignal,
): Promise<InstanceFacts[]> {
  const malformed = ids.filter(id => !instanceIdPattern.test(id));
  if (malformed.length > 0) {
    // An empty or bad id list would describe other instances of the account.
    throw new FleetingError('invalid_argument', 'could not inspect instances: malformed ids');
  }
  const facts: InstanceFacts[] = [];
  for (let i = 0; i < ids.length; i += idsPerCall) {
    const batch = ids.slice(i, i + idsPerCall);
    let instances: Instance[];
    try {
      const answer = await ec2.send(new DescribeInstancesCommand({ InstanceIds: batch }), {
        abortSignal: signal,
      });
      instances = (answer.Reservations ?? []).flatMap(r => r.Instances ?? []);
    } catch (error) {
      const classified = classifyAwsError(error, { action: 'describe instances' });
      if (classified.code === 'instance_not_found' && batch.length > 1) {
        // One unknown id fails the whole call: describe the batch one by one instead.
        for (const id of batch) {
          facts.push(...(await inspectInstances(ec2, [id], owner, signal)));
        }
        continue;
      }
      if (classified.code === 'instance_not_found') {
        continue;
      }
      throw classified;
    }
    facts.push(...instances.map(instance => factsOf(instance, owner)));
  }
  return facts;
}
