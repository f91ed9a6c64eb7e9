import type { EC2Client, Filter, Instance } from '@aws-sdk/client-ec2';

import { ApiBackoff } from './api-backoff';
import { OWNER_TAG_KEYS } from './inspect-instances';
import { SharedStrayFinder } from './shared-stray-finder';

function tagged(id: string, clusterId: string, pool: string): Instance {
  return {
    InstanceId: id,
    State: { Name: 'running' },
    Tags: [
      { Key: OWNER_TAG_KEYS.clusterId, Value: clusterId },
      { Key: OWNER_TAG_KEYS.pool, Value: pool },
    ],
  };
}

/** An EC2 client answering DescribeInstances from a fixed list, filtering as EC2 does. */
function fakeEc2(instances: readonly Instance[]) {
  const calls: Filter[][] = [];
  const failures: Error[] = [];
  const client = {
    send(command: { input: { Filters?: Filter[] } }) {
      const filters = command.input.Filters ?? [];
      calls.push(filters);
      const failure = failures.shift();
      if (failure !== undefined) {
        return Promise.reject(failure);
      }
      const matches = (instance: Instance) =>
        filters.every(f => {
          const values = f.Values ?? [];
          if (f.Name === 'instance-state-name') {
            return values.includes(instance.State?.Name ?? '');
          }
          const key = (f.Name ?? '').replace(/^tag:/, '');
          return (instance.Tags ?? []).some(t => t.Key === key && values.includes(t.Value ?? ''));
        });
      return Promise.resolve({
        Reservations: instances.filter(matches).map(i => ({ Instances: [i] })),
      });
    },
  };
  return { client: client as unknown as EC2Client, calls, failures };
}

const pool = (name: string) => ({ clusterId: 'c1', pool: name });

describe('SharedStrayFinder', () => {
  it('serves every pool of a round from one call filtered by all their tags', async () => {
    const fake = fakeEc2([
      tagged('i-0000000000000000a', 'c1', 'p1'),
      tagged('i-0000000000000000b', 'c1', 'p2'),
      tagged('i-0000000000000000c', 'other', 'p1'),
    ]);
    const finder = new SharedStrayFinder({ ec2: fake.client });
    finder.register(pool('p1'));
    finder.register(pool('p2'));
    const [p1, p2] = await Promise.all([finder.read(pool('p1')), finder.read(pool('p2'))]);
    expect(p1.map(i => i.InstanceId)).toEqual(['i-0000000000000000a']);
    expect(p2.map(i => i.InstanceId)).toEqual(['i-0000000000000000b']);
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]).toEqual([
      { Name: `tag:${OWNER_TAG_KEYS.clusterId}`, Values: ['c1'] },
      { Name: `tag:${OWNER_TAG_KEYS.pool}`, Values: ['p1', 'p2'] },
      { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
    ]);
  });

  it('a pool reading again starts a new round, which the others then share', async () => {
    const fake = fakeEc2([]);
    const finder = new SharedStrayFinder({ ec2: fake.client });
    await finder.read(pool('p1'));
    await finder.read(pool('p2'));
    expect(fake.calls).toHaveLength(1);
    await finder.read(pool('p1'));
    expect(fake.calls).toHaveLength(2);
    await finder.read(pool('p2'));
    expect(fake.calls).toHaveLength(2);
  });

  it('refuses throttled while EC2 backs off, without a call', async () => {
    let nowMs = 0;
    const fake = fakeEc2([]);
    fake.failures.push(
      Object.assign(new Error('RequestLimitExceeded'), {
        name: 'RequestLimitExceeded',
        $metadata: { httpStatusCode: 503 },
      }),
    );
    const finder = new SharedStrayFinder({
      ec2: fake.client,
      backoff: new ApiBackoff({ now: () => nowMs, random: () => 0 }),
    });
    await expect(finder.read(pool('p1'))).rejects.toMatchObject({ code: 'throttled' });
    await expect(finder.read(pool('p1'))).rejects.toMatchObject({ code: 'throttled' });
    expect(fake.calls).toHaveLength(1);
    nowMs = 600_000;
    await expect(finder.read(pool('p1'))).resolves.toEqual([]);
    expect(fake.calls).toHaveLength(2);
  });
});
