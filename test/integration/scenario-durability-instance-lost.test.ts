// B45 (executor side) and issue #5: an instance lost under a running job — terminated, its sshd
// killed, or frozen — fails that job as runner_system_failure within the SSH keepalive timeout,
// and the job's claim is released, so no record stays "running"; the executor's report takes
// the instance out of capacity (unhealthy) before the claim goes, so no new claim lands there.
import { startDurabilityWorld } from './support/durability-world';
import type { DurabilityWorld } from './support/durability-world';
import { until } from './support/taskfleet-processes';

jest.setTimeout(120_000);

const keepaliveIntervalMs = 500;
const keepaliveCountMax = 2;
// ssh2 gives up when the keepalive after the last unanswered one falls due.
const keepaliveTimeoutMs = keepaliveIntervalMs * (keepaliveCountMax + 1);

describe('B45 terminated under a job', () => {
  let world: DurabilityWorld;

  beforeAll(async () => {
    world = await startDurabilityWorld({
      name: 'b45',
      jobCount: 3,
      instanceCount: 3,
      capacityPerInstance: 1,
      script: ['echo "$CI_JOB_ID" >> "$HOME/ran.log"', 'echo lost-started', 'sleep 60'],
    });
    await world.startExecutor({ concurrency: 3, keepaliveIntervalMs, keepaliveCountMax });
    for (const job of world.jobs) {
      await world.enqueue(job);
    }
    // Every job is running its sleep, one per instance.
    await until(
      'all jobs started',
      () => world.jobs.every(j => world.gitlab.admin.getTrace(j.id).includes('lost-started')),
      60_000,
      100,
    );
  });

  afterAll(async () => {
    await world.close();
  });

  async function fault(instanceId: string | undefined, kind: string): Promise<void> {
    const response = await fetch(`${world.aws.adminEndpoint}/instances/${instanceId}/${kind}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.ok).toBe(true);
  }

  it.each(['terminate', 'kill-sshd', 'pause'] as const)(
    'an instance lost by %s fails its job as runner_system_failure and frees the claim',
    async kind => {
      const before = await world.registry.snapshot();
      const instance = before.instances.find(i => i.slots.size === 1);
      const jobId = Number(instance?.slots.get(0));
      expect(instance).toBeDefined();
      await fault(instance?.instanceId, kind);
      if (kind === 'kill-sshd') {
        // As with OpenSSH, killing the listener leaves established sessions running: the job is
        // not lost, and keeps running past the keepalive timeout; then the instance goes away.
        await new Promise(resolve => setTimeout(resolve, 2 * keepaliveTimeoutMs));
        expect(world.gitlab.admin.getJob(jobId).status).toBe('running');
        await fault(instance?.instanceId, 'terminate');
      }
      await until(
        `job ${jobId} failed`,
        () => world.gitlab.admin.getJob(jobId).status === 'failed',
        // The keepalive timeout plus the final update; a bound, not a speed claim.
        keepaliveTimeoutMs + 20_000,
        100,
      );
      expect(world.gitlab.admin.getJob(jobId)).toMatchObject({
        status: 'failed',
        failureReason: 'runner_system_failure',
      });
      expect(world.gitlab.admin.getTrace(jobId)).toContain('ERROR: Job failed (system failure)');
      await until(
        'claim released',
        async () => {
          const snap = await world.registry.snapshot();
          return !snap.instances.some(i => [...i.slots.values()].includes(String(jobId)));
        },
        10_000,
        100,
      );
      // The executor reported the loss: the instance left capacity as unhealthy at once, so no
      // new claim lands on it although its only slot is free now (the others are busy).
      const record = await world.registry.getInstance(instance?.instanceId ?? '');
      expect(record).toMatchObject({ state: 'unhealthy', reason: 'lost under a running job' });
      expect(record?.failureCount).toBeGreaterThanOrEqual(1);
      const probe = await world.registry.claimSlot(`probe-${kind}`);
      expect(probe?.instanceId).not.toBe(instance?.instanceId);
      if (probe !== undefined) {
        await world.registry.releaseSlot(`probe-${kind}`);
      }
    },
  );
});
