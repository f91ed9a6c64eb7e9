import type { Instance } from '@aws-sdk/client-ec2';

import { OWNER_TAG_KEYS, factsOf } from './inspect-instances';

const owner = { clusterId: 'c1', pool: 'p1' };
const tags = [
  { Key: OWNER_TAG_KEYS.clusterId, Value: 'c1' },
  { Key: OWNER_TAG_KEYS.pool, Value: 'p1' },
];
const launched = new Date('2026-12-03T10:00:00Z');

describe('factsOf', () => {
  it.each<[string, Instance, ReturnType<typeof factsOf>]>([
    [
      'a running instance of the pool',
      { InstanceId: 'i-1', Tags: tags, LaunchTime: launched, State: { Name: 'running' } },
      { id: 'i-1', launchedAtMs: launched.getTime(), ownedByPool: true },
    ],
    [
      'another pool of the cluster',
      { InstanceId: 'i-2', Tags: [tags[0] ?? {}, { Key: OWNER_TAG_KEYS.pool, Value: 'p2' }] },
      { id: 'i-2', ownedByPool: false },
    ],
    [
      'a spot reclaim',
      {
        InstanceId: 'i-3',
        State: { Name: 'shutting-down' },
        StateReason: { Code: 'Server.SpotInstanceTermination' },
      },
      { id: 'i-3', ownedByPool: false, lostBy: 'spot' },
    ],
    [
      'a termination from outside',
      {
        InstanceId: 'i-4',
        State: { Name: 'terminated' },
        StateReason: { Code: 'Client.UserInitiatedShutdown' },
      },
      { id: 'i-4', ownedByPool: false, lostBy: 'external' },
    ],
  ])('%s', (_, instance, expected) => {
    expect(factsOf(instance, owner)).toEqual(expected);
  });

  it('owns nothing when no owner tags are configured', () => {
    expect(factsOf({ InstanceId: 'i-5', Tags: tags }, undefined).ownedByPool).toBe(false);
  });
});
