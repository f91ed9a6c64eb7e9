// Issue #4: the executor pools SSH connections per instance. Jobs on one instance share one
// authenticated connection (each on its own channels, a fresh shell per stage); past
// jobsPerConnection a second one is dialled, with its own Instance Connect key push; a job whose
// shell dies on a live connection is that job's failure only; a connection that dies fails every
// job on it and the instance is marked unhealthy (closing on leaving service: the unit tests).
// Counted on the instance's own side: sshd's accepted connections, the SendSSHPublicKey calls,
// and the live post-login sshd processes of the instance's user.
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { startDurabilityWorld } from './support/durability-world';
import type { DurabilityWorld } from './support/durability-world';
import { until } from './support/taskfleet-processes';

jest.setTimeout(120_000);

const keepaliveIntervalMs = 300;
const keepaliveCountMax = 2;
// Jobs that wait for the test's go file, so several run at once.
const blocking = 'job-[345789]';

describe('executor SSH connection pool on real sshd instances', () => {
  let world: DurabilityWorld;
  // One instance: where claims land among several is the registry's policy, not this test's.
  // Closing on leaving service (retire) is covered by the pool's unit tests.
  let first: string;

  beforeAll(async () => {
    world = await startDurabilityWorld({
      name: 'ssh-pool',
      jobCount: 10,
      instanceCount: 1,
      capacityPerInstance: 3,
      script: [
        'echo "$CI_JOB_NAME saw ${POOL_LEAK:-nothing}"',
        'export POOL_LEAK="$CI_JOB_NAME"',
        `case "$CI_JOB_NAME" in ${blocking}) touch "$HOME/waiting-$CI_JOB_NAME"; ` +
          'while [ ! -e "$HOME/go-$CI_JOB_NAME" ]; do sleep 0.1; done;; esac',
        'if [ "$CI_JOB_NAME" = job-6 ]; then kill -KILL $$; fi',
        'echo "$CI_JOB_NAME done"',
      ],
    });
    await world.startExecutor({
      concurrency: 6,
      keepaliveIntervalMs,
      keepaliveCountMax,
      jobsPerConnection: 2,
      connectionIdleTimeMs: 600_000,
      connectionSweepIntervalMs: 200,
    });
  });

  afterAll(async () => {
    await world.close();
  });

  const job = (index: number) => {
    const found = world.jobs[index];
    if (found === undefined) {
      throw new Error(`no job ${index}`);
    }
    return found;
  };
  const status = (index: number) => world.gitlab.admin.getJob(job(index).id).status;
  const trace = (index: number) => world.gitlab.admin.getTrace(job(index).id);
  const instanceOf = (index: number) => /Using instance (i-[0-9a-f]+)/.exec(trace(index))?.[1];

  const keyPushesTo = (instanceId: string) =>
    world.aws.state
      .calls('SendSSHPublicKey')
      .filter(c => c.params.InstanceId === instanceId && c.httpStatus === 200).length;
  const sshdConnectionsTo = (instanceId: string) => {
    const { instances } = world.aws.state.snapshot() as {
      instances: { instanceId: string; sshdConnections?: number }[];
    };
    return instances.find(i => i.instanceId === instanceId)?.sshdConnections ?? 0;
  };

  async function homeOf(instanceId: string): Promise<string> {
    for (const hostDir of await readdir(world.stateRoot)) {
      const home = join(world.stateRoot, hostDir, instanceId, 'home');
      if (
        await stat(home).then(
          s => s.isDirectory(),
          () => false,
        )
      ) {
        return home;
      }
    }
    throw new Error(`no home for ${instanceId}`);
  }

  /** Post-login sshd processes of the instance's own user: one per open SSH connection. */
  async function liveConnectionsTo(instanceId: string): Promise<number> {
    const { uid } = await stat(await homeOf(instanceId));
    let count = 0;
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) {
        continue;
      }
      const text = await readFile(join('/proc', entry, 'status'), 'utf8').catch(() => '');
      const name = /^Name:\s+(\S+)/m.exec(text)?.[1] ?? '';
      const realUid = Number(/^Uid:\s+(\d+)/m.exec(text)?.[1] ?? -1);
      if (name.startsWith('sshd') && realUid === uid) {
        count += 1;
      }
    }
    return count;
  }

  async function waitingOn(instanceId: string, index: number): Promise<void> {
    const home = await homeOf(instanceId);
    await until(
      `job-${index} waiting`,
      () =>
        stat(join(home, `waiting-job-${index}`)).then(
          () => true,
          () => false,
        ),
      30_000,
      50,
    );
  }

  async function go(instanceId: string, index: number): Promise<void> {
    await writeFile(join(await homeOf(instanceId), `go-job-${index}`), '');
  }

  async function runToEnd(index: number, end = 'success'): Promise<void> {
    await until(
      `job-${index} ended`,
      () => !['pending', 'running'].includes(status(index)),
      30_000,
      50,
    );
    expect(status(index)).toBe(end);
  }

  it('runs consecutive jobs on one instance over one connection, each in a fresh shell', async () => {
    await world.enqueue(job(0));
    await runToEnd(0);
    const instanceId = instanceOf(0) ?? '';
    first = instanceId;
    const connections = sshdConnectionsTo(first);
    const pushes = keyPushesTo(first);
    expect(pushes).toBe(1);
    for (const index of [1, 2]) {
      await world.enqueue(job(index));
      await runToEnd(index);
      expect(instanceOf(index)).toBe(first);
      // Nothing of the job before is left in the shell.
      expect(trace(index)).toContain(`job-${index} saw nothing`);
    }
    expect(sshdConnectionsTo(first)).toBe(connections);
    expect(keyPushesTo(first)).toBe(pushes);
    expect(await liveConnectionsTo(first)).toBe(1);
  });

  it('dials a second connection, with a fresh key push, past jobsPerConnection', async () => {
    const pushes = keyPushesTo(first);
    for (const index of [3, 4, 5]) {
      await world.enqueue(job(index));
    }
    for (const index of [3, 4, 5]) {
      await waitingOn(first, index);
      // The instance sees the job before GitLab has the log line naming the instance.
      await until(
        `job-${index} log names its instance`,
        () => instanceOf(index) !== undefined,
        30_000,
        50,
      );
    }
    expect([3, 4, 5].map(instanceOf)).toEqual([first, first, first]);
    expect(await liveConnectionsTo(first)).toBe(2);
    expect(keyPushesTo(first)).toBe(pushes + 1);
    for (const index of [3, 4, 5]) {
      await go(first, index);
    }
    for (const index of [3, 4, 5]) {
      await runToEnd(index);
    }
    expect(await liveConnectionsTo(first)).toBe(2);
  });

  it('fails only the job whose shell dies on a live connection; the instance stays in service', async () => {
    const connections = sshdConnectionsTo(first);
    await world.enqueue(job(7));
    await waitingOn(first, 7);
    await world.enqueue(job(6));
    await runToEnd(6, 'failed');
    expect(instanceOf(6)).toBe(first);
    expect(world.gitlab.admin.getJob(job(6).id).failureReason).toBe('script_failure');
    await go(first, 7);
    await runToEnd(7);
    expect(await world.registry.getInstance(first)).toMatchObject({
      state: 'ready',
      failureCount: 0,
    });
    expect(sshdConnectionsTo(first)).toBe(connections);
  });

  it('fails every job on a connection that dies and marks the instance unhealthy', async () => {
    for (const index of [8, 9]) {
      await world.enqueue(job(index));
    }
    for (const index of [8, 9]) {
      await waitingOn(first, index);
    }
    // Both on the connection with room (the other one of the two is idle).
    const pushes = keyPushesTo(first);
    const paused = await fetch(`${world.aws.adminEndpoint}/instances/${first}/pause`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(paused.ok).toBe(true);
    expect(keyPushesTo(first)).toBe(pushes);
    for (const index of [8, 9]) {
      await runToEnd(index, 'failed');
      expect(world.gitlab.admin.getJob(job(index).id).failureReason).toBe('runner_system_failure');
    }
    expect(await world.registry.getInstance(first)).toMatchObject({
      state: 'unhealthy',
      reason: 'lost under a running job',
    });
  });
});
