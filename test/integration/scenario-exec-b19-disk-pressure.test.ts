// B19 (issue #5): after each job the executor reads the instance's disk use with `df` over SSH;
// at the configured threshold (85 % by default) the instance is retired with reason
// disk_pressure: no new claim lands on it and the scaler removes it once idle under that reason
// (libs/taskscaler's chooseRemovals test covers the removal). No real disk is filled here: the
// threshold is set below whatever the test machine's disk holds, and above it for the control.
import { startDurabilityWorld } from './support/durability-world';
import type { DurabilityWorld } from './support/durability-world';
import { until } from './support/taskfleet-processes';

jest.setTimeout(60_000);

describe('B19 disk pressure retires the instance', () => {
  let world: DurabilityWorld;

  beforeAll(async () => {
    world = await startDurabilityWorld({
      name: 'b19-disk',
      jobCount: 2,
      instanceCount: 1,
      capacityPerInstance: 2,
    });
  });

  afterAll(async () => {
    await world.close();
  });

  async function instance(): Promise<{ state: string; reason: string | undefined }> {
    const found = (await world.registry.snapshot()).instances.find(
      i => i.instanceId === world.instanceIds[0],
    );
    if (found === undefined) {
      throw new Error('instance not registered');
    }
    return found;
  }

  async function runJob(index: number, diskPressurePercent: number): Promise<string> {
    const payload = world.jobs[index];
    if (payload === undefined) {
      throw new Error(`no job ${index}`);
    }
    const executor = await world.startExecutor({ diskPressurePercent });
    try {
      await world.enqueue(payload);
      await until(
        'job final',
        () => world.gitlab.admin.getJob(payload.id).status === 'success',
        30_000,
      );
      await until(
        'slot free',
        async () => (await world.registry.snapshot()).claimedSlots === 0,
        10_000,
      );
    } finally {
      executor.process.kill('SIGTERM');
      await executor.exited;
    }
    return executor.stderr;
  }

  it('below the threshold: the instance stays ready', async () => {
    const log = await runJob(0, 100);
    expect(await instance()).toMatchObject({ state: 'ready' });
    expect(log).not.toContain('instance disk nearly full');
  });

  it('at or above the threshold: retired as disk_pressure, no new claims, the job unharmed', async () => {
    const log = await runJob(1, 1);
    expect(await instance()).toMatchObject({ state: 'retired', reason: 'disk_pressure' });
    expect(await world.registry.claimSlot('b19-probe')).toBeUndefined();
    const lines = log
      .split('\n')
      .filter(line => line.includes('instance disk nearly full'))
      .map(line => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({
        reason: 'disk_pressure',
        thresholdPercent: 1,
        retired: true,
        instanceId: world.instanceIds[0],
      }),
    ]);
    expect(Number(lines[0]?.usePercent)).toBeGreaterThanOrEqual(1);
  });
});
