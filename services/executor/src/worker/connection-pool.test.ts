import { FleetingError } from '@taskfleet/fleeting';
import { ManualClock } from '@taskfleet/gitlab';
import { pino } from 'pino';

import { ConnectionPool } from './connection-pool';
import type { ConnectionPoolOptions } from './connection-pool';

/** A connection double: only what the pool looks at (closed state and close()). */
class FakeConnection {
  readonly closed: Promise<FleetingError | undefined>;
  isClosed = false;
  closeCalls = 0;
  private resolveClosed!: (error: FleetingError | undefined) => void;

  constructor(readonly instanceId: string) {
    this.closed = new Promise(resolve => {
      this.resolveClosed = resolve;
    });
  }

  close(): Promise<void> {
    this.closeCalls += 1;
    this.end(undefined);
    return Promise.resolve();
  }

  /** The peer went away. */
  lose(): void {
    this.end(new FleetingError('connection_lost', 'lost', { instanceId: this.instanceId }));
  }

  run(): never {
    throw new Error('not used');
  }

  start(): never {
    throw new Error('not used');
  }

  private end(error: FleetingError | undefined): void {
    if (!this.isClosed) {
      this.isClosed = true;
      this.resolveClosed(error);
    }
  }
}

interface World {
  readonly pool: ConnectionPool;
  readonly clock: ManualClock;
  readonly dialled: FakeConnection[];
  readonly dialCount: () => number;
}

function world(overrides: Partial<ConnectionPoolOptions> = {}, failDials = 0): World {
  const clock = new ManualClock();
  const dialled: FakeConnection[] = [];
  let failuresLeft = failDials;
  let dials = 0;
  const pool = new ConnectionPool({
    clock,
    logger: pino({ enabled: false }),
    jobsPerConnection: 2,
    idleTimeMs: 60_000,
    sweepIntervalMs: 5_000,
    dial: async instanceId => {
      dials += 1;
      await Promise.resolve();
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        throw new FleetingError('connect_refused', 'refused', { instanceId });
      }
      const connection = new FakeConnection(instanceId);
      dialled.push(connection);
      return connection;
    },
    ...overrides,
  });
  return { pool, clock, dialled, dialCount: () => dials };
}

/** Lets the pool's promise callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) {
    await Promise.resolve();
  }
}

describe('ConnectionPool', () => {
  it('gives jobs on one instance one connection, dialled once for concurrent callers', async () => {
    const { pool, dialled, dialCount } = world();
    const [a, b] = await Promise.all([pool.acquire('i-1'), pool.acquire('i-1')]);
    expect(dialCount()).toBe(1);
    expect(a.connection).toBe(b.connection);
    expect([a.reused, b.reused]).toEqual([false, true]);
    const other = await pool.acquire('i-2');
    expect(other.connection).not.toBe(a.connection);
    expect(dialled).toHaveLength(2);
    expect(pool.stats()).toEqual({ connections: 2, leases: 3, dials: 2 });
  });

  it('dials a second connection past jobsPerConnection and reuses freed room', async () => {
    const { pool, dialled } = world();
    const first = await pool.acquire('i-1');
    const second = await pool.acquire('i-1');
    const third = await pool.acquire('i-1');
    expect(third.connection).not.toBe(first.connection);
    expect(pool.connectionCount('i-1')).toBe(2);
    second.release();
    // Released twice by mistake: counted once.
    second.release();
    const fourth = await pool.acquire('i-1');
    expect(fourth.connection).toBe(first.connection);
    expect(fourth.reused).toBe(true);
    expect(dialled).toHaveLength(2);
    expect(pool.stats().leases).toBe(3);
  });

  it('fails every caller of a failed dial and dials afresh for the next job', async () => {
    const { pool, dialCount } = world({}, 1);
    const results = await Promise.allSettled([pool.acquire('i-1'), pool.acquire('i-1')]);
    expect(results.map(r => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'connect_refused' });
    expect(pool.connectionCount('i-1')).toBe(0);
    const lease = await pool.acquire('i-1');
    expect(lease.reused).toBe(false);
    expect(dialCount()).toBe(2);
  });

  it('forgets a connection that died and dials a new one for the next job', async () => {
    const { pool, dialled } = world();
    const lease = await pool.acquire('i-1');
    dialled[0]?.lose();
    await settle();
    expect(pool.connectionCount('i-1')).toBe(0);
    lease.release();
    const next = await pool.acquire('i-1');
    expect(next.connection).toBe(dialled[1]);
    expect(next.reused).toBe(false);
  });

  it('closes a connection unused for idleTimeMs, never one in use', async () => {
    const { pool, clock, dialled } = world();
    const idle = await pool.acquire('i-1');
    const busy = await pool.acquire('i-2');
    idle.release();
    pool.start();
    await clock.waitForSleepers();
    clock.advance(55_000);
    await settle();
    await clock.waitForSleepers();
    expect(dialled[0]?.closeCalls).toBe(0);
    clock.advance(5_000);
    await settle();
    await clock.waitForSleepers();
    expect(dialled[0]?.closeCalls).toBe(1);
    expect(dialled[1]?.closeCalls).toBe(0);
    expect(pool.connectionCount('i-1')).toBe(0);
    busy.release();
    await pool.close();
    expect(dialled[1]?.closeCalls).toBe(1);
  });

  it('closes unused connections to instances out of service, and busy ones after their job', async () => {
    const states = new Map([
      ['i-1', 'ready'],
      ['i-2', 'draining'],
      ['i-3', 'unhealthy'],
    ]);
    const { pool, dialled } = world({ instanceState: id => Promise.resolve(states.get(id)) });
    for (const id of ['i-1', 'i-2', 'i-3']) {
      (await pool.acquire(id)).release();
    }
    const busy = await pool.acquire('i-4');
    await pool.sweepOnce();
    await settle();
    expect(dialled.map(c => c.closeCalls)).toEqual([0, 1, 1, 0]);
    // The job on i-4 ends and its release finds the instance retired (e.g. max_use_count).
    pool.retire('i-4', 'retired');
    expect(dialled[3]?.closeCalls).toBe(0);
    busy.release();
    await settle();
    expect(dialled[3]?.closeCalls).toBe(1);
    expect(pool.stats().connections).toBe(1);
  });

  it('keeps connections when the state lookup fails', async () => {
    const { pool, dialled } = world({
      instanceState: () => Promise.reject(new Error('redis down')),
    });
    (await pool.acquire('i-1')).release();
    await pool.sweepOnce();
    expect(dialled[0]?.closeCalls).toBe(0);
  });

  it('drops every connection of a lost instance at once, in use or not', async () => {
    const { pool, dialled } = world();
    const leases = await Promise.all([1, 2, 3].map(() => pool.acquire('i-1')));
    expect(pool.connectionCount('i-1')).toBe(2);
    pool.drop('i-1', 'lost');
    await settle();
    expect(dialled.map(c => c.closeCalls)).toEqual([1, 1]);
    for (const lease of leases) {
      lease.release();
    }
    expect(pool.stats()).toMatchObject({ connections: 0 });
  });

  it('refuses a connection dropped while it was dialled', async () => {
    const { pool, dialled } = world();
    const pending = pool.acquire('i-1');
    pool.drop('i-1', 'lost');
    await expect(pending).rejects.toMatchObject({ code: 'connection_lost' });
    expect(dialled[0]?.closeCalls).toBe(1);
  });

  it('closes everything on close() and refuses new jobs afterwards', async () => {
    const { pool, clock, dialled } = world();
    pool.start();
    await clock.waitForSleepers();
    await pool.acquire('i-1');
    (await pool.acquire('i-2')).release();
    await pool.close();
    expect(dialled.map(c => c.closeCalls)).toEqual([1, 1]);
    expect(clock.pendingSleeps).toBe(0);
    await expect(pool.acquire('i-1')).rejects.toMatchObject({ code: 'shut_down' });
  });
});
