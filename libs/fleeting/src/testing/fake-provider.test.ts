import { FleetingError } from '../errors';
import type { InstanceGroup } from '../port/instance-group';
import { defineInstanceGroupContract } from './contract';
import { FakeInstanceGroup } from './fake-provider';

defineInstanceGroupContract(
  'in-memory fake',
  () => {
    const fake = new FakeInstanceGroup({ bootDelayMs: 2_000, deleteDelayMs: 1_000, maxSize: 3 });
    return Promise.resolve({
      provider: fake,
      groupMaxSize: 3,
      advance: () => {
        fake.tick(500);
        return Promise.resolve();
      },
      removeExternally: id => {
        fake.removeExternally(id);
        return Promise.resolve();
      },
      detachExternally: id => {
        fake.detach(id);
        return Promise.resolve();
      },
      cleanup: () => fake.shutdown(),
    });
  },
  { strays: true },
);

describe('FakeInstanceGroup', () => {
  it('is an InstanceGroup', () => {
    const group: InstanceGroup = new FakeInstanceGroup() satisfies InstanceGroup;
    expect(group).toBeInstanceOf(FakeInstanceGroup);
  });

  it('follows an injected clock', async () => {
    let nowMs = 10_000;
    const fake = new FakeInstanceGroup({ now: () => nowMs, bootDelayMs: 100 });
    await fake.increase(1);
    expect((await fake.update()).map(member => member.state)).toEqual(['creating']);
    nowMs += 99;
    expect((await fake.update()).map(member => member.state)).toEqual(['creating']);
    nowMs += 1;
    expect((await fake.update()).map(member => member.state)).toEqual(['running']);
    expect(() => {
      fake.tick();
    }).toThrow(FleetingError);
  });

  it('cuts an increase at max size and says why', async () => {
    const fake = new FakeInstanceGroup({ maxSize: 3 });
    expect(await fake.increase(2)).toEqual({ requested: 2 });
    const result = await fake.increase(2);
    expect(result.requested).toBe(1);
    expect(result.error?.code).toBe('capacity_exceeded');
    expect(await fake.update()).toHaveLength(3);
  });

  it('counts deleting instances out of the size limit', async () => {
    const fake = new FakeInstanceGroup({ maxSize: 1, deleteDelayMs: 5_000 });
    await fake.increase(1);
    fake.tick();
    const [only] = await fake.update();
    await fake.decrease([only!.id]);
    expect(await fake.increase(1)).toEqual({ requested: 1 });
    expect((await fake.update()).map(member => member.state).sort()).toEqual([
      'creating',
      'deleting',
    ]);
  });

  it('injects a partial increase failure once', async () => {
    const fake = new FakeInstanceGroup();
    const throttled = new FleetingError('throttled', 'could not increase: rate exceeded');
    fake.failNextIncrease(throttled, 1);
    expect(await fake.increase(3)).toEqual({ requested: 1, error: throttled });
    expect(await fake.increase(1)).toEqual({ requested: 1 });
    expect(await fake.update()).toHaveLength(2);
  });

  it('injects a per-id decrease failure and leaves that instance alone', async () => {
    const fake = new FakeInstanceGroup({ deleteDelayMs: 0 });
    await fake.increase(2);
    fake.tick();
    const [a, b] = (await fake.update()).map(member => member.id);
    const refused = new FleetingError('provider_unavailable', 'could not terminate: 503');
    fake.failNextDecreaseOf(b!, refused);
    const result = await fake.decrease([a!, b!]);
    expect(result).toEqual({ succeeded: [a], failed: [{ id: b, error: refused }] });
    expect((await fake.update()).map(member => member.id)).toEqual([b]);
  });

  it('injects update failures, failed boots and unhealthy instances', async () => {
    const fake = new FakeInstanceGroup();
    fake.failNextUpdate(new FleetingError('throttled', 'could not describe: rate exceeded'));
    await expect(fake.update()).rejects.toMatchObject({ code: 'throttled' });
    fake.failNextBoots(1);
    await fake.increase(2);
    fake.tick();
    const members = await fake.update();
    expect(members.map(member => member.state)).toEqual(['timeout', 'running']);
    await expect(fake.connectInfo(members[0]!.id)).rejects.toMatchObject({
      code: 'instance_unhealthy',
    });
    fake.markUnhealthy(members[1]!.id);
    await expect(fake.heartbeat(members[1]!.id)).rejects.toMatchObject({
      code: 'instance_unhealthy',
    });
  });

  it('rejects an aborted call with canceled', async () => {
    const fake = new FakeInstanceGroup();
    const controller = new AbortController();
    controller.abort();
    await expect(fake.update({ signal: controller.signal })).rejects.toMatchObject({
      code: 'canceled',
    });
  });

  it('hands out the configured static credentials instead of a generated key', async () => {
    const key = Buffer.from('not a real key');
    const fake = new FakeInstanceGroup({ settings: { key, username: 'ci', protocolPort: 2222 } });
    await fake.increase(1);
    const [member] = await fake.update();
    const info = await fake.connectInfo(member!.id);
    expect(info).toMatchObject({ key, username: 'ci', protocolPort: 2222, protocol: 'ssh' });
    expect(info.internalAddr).toMatch(/^127\./);
  });
});
