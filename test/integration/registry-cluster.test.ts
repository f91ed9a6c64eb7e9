// The registry on a real three-node Redis Cluster (redis-server processes on loopback): every
// script is single-slot because all keys of one runner share one hash tag.
import { spawn, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { createRegistry } from '@taskfleet/registry';
import { Cluster } from 'ioredis';
import { pino } from 'pino';

import { fakeClock } from './registry-harness';
import { findFreePort } from './support/free-port';

const run = promisify(execFile);
jest.setTimeout(60_000);

const dir = mkdtempSync(join(tmpdir(), 'taskfleet-registry-cluster-'));
const nodes: ChildProcess[] = [];
const ports: number[] = [];
let cluster: Cluster | undefined;

async function waitUntil(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (await check().catch(() => false)) {
      return;
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  for (let i = 0; i < 3; i += 1) {
    const port = await findFreePort();
    const busPort = await findFreePort();
    ports.push(port);
    const child = spawn(
      'redis-server',
      [
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--cluster-port',
        String(busPort),
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: 'ignore' },
    );
    nodes.push(child);
    await waitUntil(
      async () => (await run('redis-cli', ['-p', String(port), 'ping'])).stdout.includes('PONG'),
      'redis',
    );
  }
  await run('redis-cli', [
    '--cluster',
    'create',
    ...ports.map(p => `127.0.0.1:${p}`),
    '--cluster-replicas',
    '0',
    '--cluster-yes',
  ]);
  await waitUntil(
    async () =>
      (await run('redis-cli', ['-p', String(ports[0]), 'cluster', 'info'])).stdout.includes(
        'cluster_state:ok',
      ),
    'cluster_state:ok',
  );
  cluster = new Cluster(ports.map(port => ({ host: '127.0.0.1', port })));
});

afterAll(async () => {
  if (cluster !== undefined) {
    const ended = new Promise(resolve => cluster?.once('end', resolve));
    cluster.disconnect();
    await ended;
  }
  await Promise.all(
    nodes.map(
      child =>
        new Promise(resolve => {
          child.once('exit', resolve);
          child.kill('SIGKILL');
        }),
    ),
  );
  rmSync(dir, { recursive: true, force: true });
});

it('runs lease, lifecycle, claims, drain, reservations and snapshot on Redis Cluster', async () => {
  const clock = fakeClock();
  // Several runners: their tags hash to different slots, each script stays within one.
  for (const runnerKey of ['runner-a', 'runner-b', 'runner-c']) {
    const registry = createRegistry({
      redis: cluster!,
      keyPrefix: 'cluster-test',
      runnerKey,
      clock: clock.now,
      logger: pino({ level: 'silent' }),
    });
    const lease = await registry.acquireLease('scaler', 60_000);
    if (!lease.acquired) {
      throw new Error('lease not acquired');
    }
    const token = lease.fencingToken;
    for (const instanceId of ['i-1', 'i-2']) {
      await registry.registerInstance(token, {
        instanceId,
        state: 'booting',
        capacityPerInstance: 2,
        maxUseCount: 0,
      });
      await registry.markReady(instanceId, token);
    }
    const r = await registry.reserve({
      ownerId: 'poller',
      ttlMs: 30_000,
      mode: 'preemptive',
      maxInstances: 2,
      capacityPerInstance: 2,
    });
    expect(r.reserved).toBe(true);
    await registry.convertReservation(r.reserved ? r.reservationId : '', '10');
    const first = await registry.claimSlot('10');
    const second = await registry.claimSlot('11');
    expect(second?.instanceId).toBe(first?.instanceId);
    const idle = first?.instanceId === 'i-1' ? 'i-2' : 'i-1';
    expect(await registry.beginDrain(first!.instanceId, token, { reason: 'idle' })).toEqual({
      drained: false,
      reason: 'busy',
    });
    expect((await registry.beginDrain(idle, token, { reason: 'idle' })).drained).toBe(true);
    await registry.recordTerminationIntent(idle, token, 'idle');
    const snapshot = await registry.snapshot();
    expect(snapshot).toMatchObject({
      claimedSlots: 2,
      pendingJobs: 0,
      reservedSlots: 0,
      idleReadySlots: 0,
    });
    expect(snapshot.terminationIntents.map(t => t.instanceId)).toEqual([idle]);
    expect(await registry.clearInstance(idle, token)).toEqual({
      cleared: true,
      orphanedJobIds: [],
    });
    expect(await registry.releaseSlot('10')).toMatchObject({ released: true, slot: first?.slot });
  }
});
