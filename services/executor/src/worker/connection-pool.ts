import { FleetingError } from '@taskfleet/fleeting';
import type { SshConnection } from '@taskfleet/fleeting';
import type { Clock } from '@taskfleet/gitlab';
import type { Logger } from 'pino';

/** The part of an SSH connection the pool and the jobs on it use. */
export type PoolConnection = Pick<
  SshConnection,
  'instanceId' | 'start' | 'run' | 'close' | 'closed' | 'isClosed'
>;

/** Settings of a ConnectionPool. */
export interface ConnectionPoolOptions {
  /**
   * Opens a new authenticated connection to the instance. It fetches fresh connect info each
   * time, so credentials with a short life (a key pushed with SendSSHPublicKey, good for 60 s of
   * new logins) are provisioned again for every connection dialled.
   */
  readonly dial: (instanceId: string) => Promise<PoolConnection>;
  readonly clock: Pick<Clock, 'now' | 'sleep'>;
  readonly logger: Logger;
  /**
   * Jobs that share one connection at once; a further job on the same instance gets a second
   * connection. Each job holds up to three channels at a time (its stage shell, a sweep, the
   * held-output sweep), so 3 stays within sshd's default `MaxSessions 10`. @defaultValue 3
   */
  readonly jobsPerConnection?: number;
  /** A connection no job has used for this long is closed. @defaultValue 60 000 */
  readonly idleTimeMs?: number;
  /** How often unused connections are checked (idle time, instance state). @defaultValue 5 000 */
  readonly sweepIntervalMs?: number;
  /**
   * The registry state of an instance (undefined when unknown). Unused connections to an
   * instance that is not `ready` any more (draining, deleting, unhealthy, retired) are closed
   * at the next sweep; without it only the idle time and the connection's own end close them.
   */
  readonly instanceState?: (instanceId: string) => Promise<string | undefined>;
}

/** A job's share of a pooled connection; `release` once the job is done with the instance. */
export interface ConnectionLease {
  readonly connection: PoolConnection;
  /** Whether the connection was dialled for another job (false: this acquire dialled it). */
  readonly reused: boolean;
  /** Gives the share back; the connection stays open for the next job. Idempotent. */
  release(): void;
}

/** How many connections and jobs the pool holds now (for tests, logs and the bench). */
export interface PoolStats {
  readonly connections: number;
  readonly leases: number;
  /** Connections dialled since the pool started, failed dials included. */
  readonly dials: number;
}

interface Entry {
  readonly instanceId: string;
  readonly ready: Promise<PoolConnection>;
  connection: PoolConnection | undefined;
  leases: number;
  served: number;
  lastUsedAtMs: number;
  /** No new leases; closed once the last one is released. */
  retiring: boolean;
  removed: boolean;
}

const defaultJobsPerConnection = 3;
const defaultIdleTimeMs = 60_000;
const defaultSweepIntervalMs = 5_000;

/**
 * SSH connections per instance, shared by the jobs that run there: each job opens its own
 * channels (a fresh shell per stage) on a connection dialled once. A connection leaves the pool
 * when it dies (every job on it then fails on its own channels), when its instance is lost,
 * leaves service or has not been used for `idleTimeMs`, and on `close()`.
 */
export class ConnectionPool {
  private readonly entries = new Map<string, Entry[]>();
  private readonly stopping = new AbortController();
  private readonly jobsPerConnection: number;
  private readonly idleTimeMs: number;
  private readonly sweepIntervalMs: number;
  private sweeping: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private dials = 0;

  constructor(private readonly options: ConnectionPoolOptions) {
    this.jobsPerConnection = Math.max(1, options.jobsPerConnection ?? defaultJobsPerConnection);
    this.idleTimeMs = options.idleTimeMs ?? defaultIdleTimeMs;
    this.sweepIntervalMs = Math.max(1, options.sweepIntervalMs ?? defaultSweepIntervalMs);
  }

  /** Starts the periodic sweep of unused connections; calling it again does nothing. */
  start(): void {
    if (this.sweeping !== undefined || this.closing !== undefined) {
      return;
    }
    this.sweeping = this.sweepLoop();
  }

  /**
   * A share of a live connection to the instance with room for one more job, dialling a new one
   * when none has; concurrent callers share one dial. Rejects with the dial's error (and the
   * failed connection is forgotten) or `shut_down` once the pool is closed.
   */
  async acquire(instanceId: string): Promise<ConnectionLease> {
    if (this.closing !== undefined) {
      throw new FleetingError('shut_down', 'could not connect: the connection pool is closed', {
        instanceId,
      });
    }
    const entry = this.pick(instanceId) ?? this.open(instanceId);
    const reused = entry.served > 0;
    entry.leases += 1;
    entry.served += 1;
    let connection: PoolConnection;
    try {
      connection = await entry.ready;
    } catch (error) {
      entry.leases -= 1;
      throw error;
    }
    if (entry.removed) {
      // Dropped (instance lost) or shut down while the dial ran.
      entry.leases -= 1;
      throw new FleetingError(
        this.isClosing() ? 'shut_down' : 'connection_lost',
        'could not connect: the connection was dropped while it was dialled',
        { instanceId },
      );
    }
    let released = false;
    return {
      connection,
      reused,
      release: () => {
        if (released) {
          return;
        }
        released = true;
        this.release(entry);
      },
    };
  }

  /**
   * The instance left service (draining, deleting, retired): its connections take no new jobs
   * and each closes once its last job is done.
   */
  retire(instanceId: string, reason: string): void {
    for (const entry of this.entries.get(instanceId) ?? []) {
      entry.retiring = true;
      if (entry.leases === 0) {
        void this.remove(entry, reason);
      }
    }
  }

  /** The instance is lost: every connection to it is closed now, in use or not. */
  drop(instanceId: string, reason: string): void {
    for (const entry of [...(this.entries.get(instanceId) ?? [])]) {
      void this.remove(entry, reason);
    }
  }

  /** Counts of what the pool holds now. */
  stats(): PoolStats {
    let connections = 0;
    let leases = 0;
    for (const list of this.entries.values()) {
      connections += list.length;
      for (const entry of list) {
        leases += entry.leases;
      }
    }
    return { connections, leases, dials: this.dials };
  }

  /** Connections to one instance now (for tests). */
  connectionCount(instanceId: string): number {
    return this.entries.get(instanceId)?.length ?? 0;
  }

  private isClosing(): boolean {
    return this.closing !== undefined;
  }

  /** Stops the sweep and closes every connection, in use or not; idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopping.abort();
      await this.sweeping;
      const all = [...this.entries.values()].flat();
      await Promise.all(all.map(entry => this.remove(entry, 'shutdown')));
    })();
    return this.closing;
  }

  /** Runs one sweep now: closes connections unused too long or to instances out of service. */
  async sweepOnce(): Promise<void> {
    const nowMs = this.options.clock.now();
    const idle = [...this.entries.values()].flat().filter(entry => entry.leases === 0);
    for (const entry of idle) {
      if (nowMs - entry.lastUsedAtMs >= this.idleTimeMs) {
        void this.remove(entry, 'idle');
      }
    }
    const lookup = this.options.instanceState;
    if (lookup === undefined) {
      return;
    }
    // Only instances none of whose jobs is running: a job's own end retires a busy one.
    const unused = [...this.entries]
      .filter(([, list]) => list.every(entry => entry.leases === 0))
      .map(([instanceId]) => instanceId);
    for (const instanceId of unused) {
      let state: string | undefined;
      try {
        state = await lookup(instanceId);
      } catch (error) {
        // Redis down: keep the connections; the idle time still bounds them.
        this.options.logger.debug(
          { instanceId, err: error instanceof Error ? error.name : typeof error },
          'could not read instance state for the connection pool',
        );
        continue;
      }
      if (state !== 'ready') {
        this.retire(instanceId, `instance ${state ?? 'unknown'}`);
      }
    }
  }

  private async sweepLoop(): Promise<void> {
    const signal = this.stopping.signal;
    for (;;) {
      await this.options.clock.sleep(this.sweepIntervalMs, signal);
      if (this.isClosing()) {
        return;
      }
      try {
        await this.sweepOnce();
      } catch (error) {
        this.options.logger.warn(
          { err: error instanceof Error ? error.name : typeof error },
          'connection pool sweep failed',
        );
      }
    }
  }

  private pick(instanceId: string): Entry | undefined {
    const list = this.entries.get(instanceId) ?? [];
    // The fullest connection that has room, so spare connections go idle and get closed.
    let best: Entry | undefined;
    for (const entry of list) {
      const usable =
        !entry.retiring &&
        entry.leases < this.jobsPerConnection &&
        entry.connection?.isClosed !== true;
      if (usable && (best === undefined || entry.leases > best.leases)) {
        best = entry;
      }
    }
    return best;
  }

  private open(instanceId: string): Entry {
    this.dials += 1;
    const ready = this.options.dial(instanceId);
    const entry: Entry = {
      instanceId,
      ready,
      connection: undefined,
      leases: 0,
      served: 0,
      lastUsedAtMs: this.options.clock.now(),
      retiring: false,
      removed: false,
    };
    const list = this.entries.get(instanceId) ?? [];
    list.push(entry);
    this.entries.set(instanceId, list);
    ready.then(
      connection => {
        entry.connection = connection;
        if (entry.removed) {
          // Dropped or shut down while dialling: remove() closes it; nobody may get it.
          return;
        }
        this.options.logger.debug({ instanceId }, 'ssh connection pooled');
        void connection.closed.then(error => {
          if (!entry.removed) {
            this.options.logger.info(
              { instanceId, code: error?.code ?? 'closed' },
              'pooled ssh connection ended',
            );
            this.forget(entry);
          }
        });
      },
      () => {
        // The callers see the dial's error; the next job dials afresh.
        this.forget(entry);
      },
    );
    return entry;
  }

  private release(entry: Entry): void {
    entry.leases -= 1;
    entry.lastUsedAtMs = this.options.clock.now();
    if (entry.leases === 0 && (entry.retiring || entry.connection?.isClosed === true)) {
      void this.remove(entry, entry.retiring ? 'retired' : 'ended');
    }
  }

  /** Takes the entry out of the pool and closes its connection (once it is dialled). */
  private remove(entry: Entry, reason: string): Promise<void> {
    if (entry.removed) {
      return Promise.resolve();
    }
    this.forget(entry);
    this.options.logger.debug(
      { instanceId: entry.instanceId, reason, leases: entry.leases },
      'pooled ssh connection closing',
    );
    return entry.ready.then(
      connection => connection.close(),
      () => undefined,
    );
  }

  private forget(entry: Entry): void {
    entry.removed = true;
    const list = this.entries.get(entry.instanceId);
    if (list === undefined) {
      return;
    }
    const rest = list.filter(other => other !== entry);
    if (rest.length === 0) {
      this.entries.delete(entry.instanceId);
    } else {
      this.entries.set(entry.instanceId, rest);
    }
  }
}
