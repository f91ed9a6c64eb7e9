import { DescribeInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import type { EC2Client, Filter, Instance } from '@aws-sdk/client-ec2';
import { FleetingError } from '@taskfleet/fleeting';
import type { DecreaseFailure, DecreaseResult, StrayInstance } from '@taskfleet/fleeting';

import { classifyAwsError } from './classify-aws-error';
import { OWNER_TAG_KEYS } from './inspect-instances';
import type { OwnerTags } from './inspect-instances';
import type { SharedStrayFinder } from './shared-stray-finder';

/** The tag Auto Scaling puts on its members and takes off a detached one. */
export const GROUP_NAME_TAG = 'aws:autoscaling:groupName';

/** EC2 states of an instance that still costs money or could come back (not ending or ended). */
export const LIVE_STATES: readonly string[] = ['pending', 'running', 'stopping', 'stopped'];

/**
 * Pool tag values one DescribeInstances filter carries. EC2 documents no number small enough to
 * matter here; 50 keeps the request small and matches the Auto Scaling describe batches.
 */
export const POOLS_PER_CALL = 50;

const tagOf = (instance: Instance, key: string) =>
  (instance.Tags ?? []).find(tag => tag.Key === key)?.Value;

/** The owner (cluster and pool) an instance's tags name, if it carries both. */
export function ownerOf(instance: Instance): OwnerTags | undefined {
  const clusterId = tagOf(instance, OWNER_TAG_KEYS.clusterId);
  const pool = tagOf(instance, OWNER_TAG_KEYS.pool);
  return clusterId === undefined || pool === undefined ? undefined : { clusterId, pool };
}

/**
 * DescribeInstances of every live instance tagged with one of the cluster ids and one of the
 * pools (each filter's values are alternatives), every page; one call per 50 pools.
 */
export async function describeOwned(
  ec2: EC2Client,
  clusterIds: readonly string[],
  pools: readonly string[],
  signal?: AbortSignal,
): Promise<Instance[]> {
  const found: Instance[] = [];
  for (let i = 0; i < pools.length; i += POOLS_PER_CALL) {
    const filters: Filter[] = [
      { Name: `tag:${OWNER_TAG_KEYS.clusterId}`, Values: [...clusterIds] },
      { Name: `tag:${OWNER_TAG_KEYS.pool}`, Values: pools.slice(i, i + POOLS_PER_CALL) },
      { Name: 'instance-state-name', Values: [...LIVE_STATES] },
    ];
    let nextToken: string | undefined;
    do {
      const answer = await ec2.send(
        new DescribeInstancesCommand({ Filters: filters, MaxResults: 1000, NextToken: nextToken }),
        { abortSignal: signal },
      );
      found.push(...(answer.Reservations ?? []).flatMap(r => r.Instances ?? []));
      nextToken = answer.NextToken === '' ? undefined : answer.NextToken;
    } while (nextToken !== undefined);
  }
  return found;
}

/**
 * Whether a described instance is a stray of this pool: it carries the pool's owner tags, it is
 * live, it is no member of the group as last described, and Auto Scaling names no other group
 * on it (a member of another group is that group's to end; ours named on a non-member is a
 * leftover of an earlier group of the same name).
 */
export function isStrayOf(
  instance: Instance,
  owner: OwnerTags,
  groupName: string,
  memberIds: ReadonlySet<string>,
): boolean {
  const tags = ownerOf(instance);
  const group = tagOf(instance, GROUP_NAME_TAG);
  return (
    instance.InstanceId !== undefined &&
    tags?.clusterId === owner.clusterId &&
    tags.pool === owner.pool &&
    LIVE_STATES.includes(instance.State?.Name ?? '') &&
    !memberIds.has(instance.InstanceId) &&
    (group === undefined || group === groupName)
  );
}

/** Whose strays to look for, and where: the pool, its group and members, the shared finder. */
export interface StrayScope {
  /** The pool's owner tags; without them nothing is a stray. */
  readonly owner: OwnerTags | undefined;
  readonly groupName: string;
  /** The group's members as last described. */
  readonly memberIds: ReadonlySet<string>;
  /** The account's shared finder; without it the pool describes its own tagged instances. */
  readonly finder: SharedStrayFinder | undefined;
}

/** The pool's strays now (see {@link isStrayOf}), read through the finder when there is one. */
export async function findStrays(
  ec2: EC2Client,
  scope: StrayScope,
  signal?: AbortSignal,
): Promise<Instance[]> {
  const owner = scope.owner;
  if (owner === undefined) {
    return [];
  }
  let described: readonly Instance[];
  if (scope.finder === undefined) {
    try {
      described = await describeOwned(ec2, [owner.clusterId], [owner.pool], signal);
    } catch (error) {
      throw classifyAwsError(error, { action: 'describe stray instances' });
    }
  } else {
    described = await scope.finder.read(owner, signal);
  }
  return described.filter(i => isStrayOf(i, owner, scope.groupName, scope.memberIds));
}

/** The port's view of a stray. */
export function strayOf(instance: Instance): StrayInstance {
  return {
    id: instance.InstanceId ?? '',
    ...(instance.LaunchTime === undefined ? {} : { launchedAtMs: instance.LaunchTime.getTime() }),
    ...(instance.State?.Name === undefined ? {} : { providerState: instance.State.Name }),
  };
}

function notStray(id: string): FleetingError {
  return new FleetingError(
    'instance_not_found',
    'could not end instance: not a stray of this pool',
    {
      instanceId: id,
    },
  );
}

/**
 * Ends each named stray with TerminateInstances, one call per id so every id has its own
 * answer: ids not in `strays` (a fresh describe of the pool's tagged instances) fail
 * `instance_not_found` without a call, so a member or a stranger is never ended.
 */
export async function terminateStrays(
  ec2: EC2Client,
  ids: readonly string[],
  strays: ReadonlySet<string | undefined>,
  signal?: AbortSignal,
): Promise<DecreaseResult> {
  const succeeded: string[] = [];
  const failed: DecreaseFailure[] = [];
  for (const id of ids) {
    if (!strays.has(id)) {
      failed.push({ id, error: notStray(id) });
      continue;
    }
    try {
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }), {
        abortSignal: signal,
      });
      succeeded.push(id);
    } catch (error) {
      failed.push({
        id,
        error: classifyAwsError(error, { action: 'terminate stray instance', instanceId: id }),
      });
    }
  }
  return { succeeded, failed };
}

/**
 * Terminates each named id that a fresh look still finds a stray of `scope` (never through the
 * shared finder, whose round may be older); a member or a stranger fails `instance_not_found`.
 */
export async function removeStillStrays(
  ec2: EC2Client,
  scope: StrayScope,
  ids: readonly string[],
  signal?: AbortSignal,
): Promise<DecreaseResult> {
  const fresh = { ...scope, finder: undefined };
  const strays = new Set((await findStrays(ec2, fresh, signal)).map(i => i.InstanceId));
  return terminateStrays(ec2, ids, strays, signal);
}
