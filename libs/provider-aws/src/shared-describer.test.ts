import type { AutoScalingClient, AutoScalingGroup } from '@aws-sdk/client-auto-scaling';

import { ApiBackoff } from './api-backoff';
import { SharedGroupDescriber } from './shared-describer';

interface FakeCall {
  readonly names: readonly string[];
}

/** A client answering from a fixed set of groups; `fail` makes the next calls throw. */
function fakeClient(existing: ReadonlySet<string>) {
  const calls: FakeCall[] = [];
  const failures: Error[] = [];
  const client = {
    send(command: { input: { AutoScalingGroupNames?: string[] } }) {
      const names = command.input.AutoScalingGroupNames ?? [];
      calls.push({ names });
      const failure = failures.shift();
      if (failure !== undefined) {
        return Promise.reject(failure);
      }
      const groups: AutoScalingGroup[] = names
        .filter(name => existing.has(name))
        .map(name => ({ AutoScalingGroupName: name, DesiredCapacity: 0 }) as AutoScalingGroup);
      return Promise.resolve({ AutoScalingGroups: groups });
    },
  };
  return { client: client as unknown as AutoScalingClient, calls, failures };
}

function awsError(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

const names = (count: number) => Array.from({ length: count }, (_, i) => `pool-${i}`);

describe('SharedGroupDescriber', () => {
  it('reads up to 50 groups a call and serves every pool from one round', async () => {
    const all = names(120);
    const fake = fakeClient(new Set(all));
    const describer = new SharedGroupDescriber({ client: fake.client });
    all.forEach(name => {
      describer.register(name);
    });
    const groups = await Promise.all(all.map(name => describer.describe(name)));
    expect(groups.map(g => g.AutoScalingGroupName)).toEqual(all);
    expect(fake.calls.map(c => c.names.length)).toEqual([50, 50, 20]);
  });

  it('a pool looking again starts a new round; the others are served from it', async () => {
    const fake = fakeClient(new Set(names(3)));
    const describer = new SharedGroupDescriber({ client: fake.client });
    names(3).forEach(name => {
      describer.register(name);
    });
    await describer.describe('pool-0');
    await describer.describe('pool-1');
    await describer.describe('pool-2');
    expect(fake.calls).toHaveLength(1);
    await describer.describe('pool-0');
    await describer.describe('pool-1');
    expect(fake.calls).toHaveLength(2);
  });

  it('after a capacity change the changed group is read afresh', async () => {
    const fake = fakeClient(new Set(names(2)));
    const describer = new SharedGroupDescriber({ client: fake.client });
    names(2).forEach(name => {
      describer.register(name);
    });
    await describer.describe('pool-0');
    describer.invalidate('pool-1');
    await describer.describe('pool-1');
    expect(fake.calls).toHaveLength(2);
  });

  it('a missing or refused group fails only its own pool', async () => {
    const fake = fakeClient(new Set(['pool-0', 'pool-2']));
    const describer = new SharedGroupDescriber({ client: fake.client });
    names(3).forEach(name => {
      describer.register(name);
    });
    await expect(describer.describe('pool-1')).rejects.toMatchObject({ code: 'invalid_config' });
    await expect(describer.describe('pool-0')).resolves.toMatchObject({
      AutoScalingGroupName: 'pool-0',
    });
    // A refusal of the whole batch is retried one name at a time.
    fake.failures.push(awsError('ValidationError', 400));
    await expect(describer.describe('pool-0')).resolves.toBeDefined();
    await expect(describer.describe('pool-2')).resolves.toBeDefined();
    expect(fake.calls.slice(1).map(c => c.names)).toEqual([
      ['pool-0', 'pool-1', 'pool-2'],
      ['pool-0'],
      ['pool-1'],
      ['pool-2'],
    ]);
  });

  it('on Throttling it backs off: no call and a throttled refusal until the back-off ends', async () => {
    let nowMs = 0;
    const fake = fakeClient(new Set(names(2)));
    const backoff = new ApiBackoff({ now: () => nowMs, random: () => 0, baseMs: 1_000 });
    const describer = new SharedGroupDescriber({ client: fake.client, backoff });
    names(2).forEach(name => {
      describer.register(name);
    });
    fake.failures.push(awsError('Throttling', 400));
    await expect(describer.describe('pool-0')).rejects.toMatchObject({ code: 'throttled' });
    expect(backoff.remainingMs()).toBe(500);
    nowMs = 400;
    await expect(describer.describe('pool-1')).rejects.toMatchObject({ code: 'throttled' });
    expect(fake.calls).toHaveLength(1);
    nowMs = 500;
    fake.failures.push(awsError('Throttling', 400));
    await expect(describer.describe('pool-1')).rejects.toMatchObject({ code: 'throttled' });
    // The second throttling in a row doubles the back-off.
    expect(backoff.remainingMs()).toBe(1_000);
    nowMs = 1_500;
    await expect(describer.describe('pool-0')).resolves.toBeDefined();
    expect(backoff.throttledInARow).toBe(0);
    expect(fake.calls).toHaveLength(3);
  });
});

describe('SharedGroupDescriber peek', () => {
  it('an init peek is served from any reading and does not use up the round', async () => {
    const fake = fakeClient(new Set(names(2)));
    const describer = new SharedGroupDescriber({ client: fake.client });
    names(2).forEach(name => {
      describer.register(name);
    });
    await describer.describe('pool-0', undefined, { peek: true });
    await describer.describe('pool-0');
    await describer.describe('pool-1', undefined, { peek: true });
    await describer.describe('pool-1');
    expect(fake.calls).toHaveLength(1);
  });
});
