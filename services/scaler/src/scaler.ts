import type { InstanceGroup } from '@taskfleet/fleeting';
import type { Registry } from '@taskfleet/registry';
import { TokenBucket } from '@taskfleet/taskscaler';
import type { Logger } from 'pino';

import type { ScalerMemory, TickContext } from './context';
import { ScalerError } from './errors';
import { LeaderLease } from './leader';
import type { ScalerSettings } from './settings';
import { unsafeSetupProblems } from './setup-check';
import { runTick } from './tick';
import type { TickReport } from './tick';

/** Where demand comes from: the count of accepted jobs waiting in the queue. */
export interface DemandSource {
  /** Jobs waiting, prioritized, delayed, or active but unclaimed, not counted as registry pending. */
  queuedJobCount(): Promise<number>;
}

/** Timer functions the loop uses; injected so a test can drive the loop by hand. */
export interface ScalerTimers {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options of {@link Scaler}. */
export interface ScalerOptions {
  /** This replica's identity for the leader lease (host and process, never a secret). */
  readonly holderId: string;
  readonly settings: ScalerSettings;
  readonly provider: InstanceGroup;
  readonly registry: Registry;
  readonly demand: DemandSource;
  readonly logger: Logger;
  /** Epoch-ms clock; must be the registry's clock too. Default `Date.now`. */
  readonly clock?: () => number;
  readonly timers?: ScalerTimers;
  /** Default three update intervals. */
  readonly leaseTtlMs?: number;
  /** An instance not ready (or a creation not listed) after this is given up. Default 10 min. */
  readonly creationTimeoutMs?: number;
  /** Default 30 s. */
  readonly readyConnectTimeoutMs?: number;
  /** Bound on one ready command run, connection included. Default 60 s. */
  readonly readyTimeoutMs?: number;
}

/** What a tick returned: `led: false` when another replica holds the lease and nothing was done. */
export type TickOutcome = { readonly led: false } | ({ readonly led: true } & TickReport);

const defaultTimers: ScalerTimers = {
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: handle => {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/** The control loop of one runner's group; only the replica holding the lease acts. */
export class Scaler {
  private readonly clock: () => number;
  private readonly timers: ScalerTimers;
  private readonly lease: LeaderLease;
  private readonly memory: ScalerMemory;
  private readonly logger: Logger;
  private groupMaxSize: number | undefined;
  private running: Promise<TickOutcome> | undefined;
  private timer: unknown;
  private started = false;
  private setupChecked = false;
  private closed = false;

  constructor(private readonly options: ScalerOptions) {
    const interval = options.settings.updateIntervalMs;
    if (!Number.isFinite(interval) || interval <= 0) {
      throw new ScalerError('invalid_option', 'could not create scaler: bad update interval');
    }
    this.clock = options.clock ?? Date.now;
    this.timers = options.timers ?? defaultTimers;
    this.logger = options.logger.child({ component: 'scaler', holderId: options.holderId });
    this.lease = new LeaderLease(
      options.registry,
      options.holderId,
      options.leaseTtlMs ?? interval * 3,
      this.logger,
    );
    const throttle = options.settings.scaleThrottle;
    this.memory = {
      pendingCreationsAtMs: [],
      bucket: TokenBucket.create(throttle.limitPerSecond, throttle.burst, this.clock()),
    };
  }

  /** Starts ticking every update interval; a second call does nothing. */
  start(): void {
    if (this.started || this.closed) {
      return;
    }
    this.started = true;
    this.schedule(0);
  }

  /** Stops the loop, waits for a running tick and gives the lease up; idempotent. */
  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    if (this.timer !== undefined) {
      this.timers.clearTimeout(this.timer);
      this.timer = undefined;
    }
    await this.running?.catch(() => undefined);
    await this.lease.release();
    this.logger.info('scaler stopped');
  }

  /** Runs one tick now (or joins the one running); rejects after close. */
  tick(): Promise<TickOutcome> {
    if (this.closed) {
      return Promise.reject(new ScalerError('closed', 'could not tick: scaler closed'));
    }
    this.running ??= this.tickOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async tickOnce(): Promise<TickOutcome> {
    const fencingToken = await this.lease.ensure();
    if (fencingToken === undefined) {
      return { led: false };
    }
    if (this.groupMaxSize === undefined) {
      this.groupMaxSize = (await this.options.provider.init()).maxSize;
    }
    const ctx: TickContext = {
      provider: this.options.provider,
      registry: this.options.registry,
      settings: this.options.settings,
      logger: this.logger,
      fencingToken,
      nowMs: this.clock(),
      creationTimeoutMs: this.options.creationTimeoutMs ?? 600_000,
      readyConnectTimeoutMs: this.options.readyConnectTimeoutMs ?? 30_000,
      readyTimeoutMs: this.options.readyTimeoutMs ?? 60_000,
      memory: this.memory,
    };
    const queued = await this.options.demand.queuedJobCount();
    const report = await runTick(ctx, queued, this.groupMaxSize);
    if (!this.setupChecked) {
      // The setup is known once the provider has described the group (init or update).
      this.setupChecked = true;
      const problems = unsafeSetupProblems(this.options.provider);
      if (problems.length > 0) {
        this.logger.error({ problems }, 'group setup unsafe');
      }
    }
    return { led: true, ...report };
  }

  private schedule(delayMs: number): void {
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.tick()
        .catch((error: unknown) => {
          this.logger.error({ err: error }, 'scaler tick failed');
        })
        .finally(() => {
          if (!this.closed) {
            this.schedule(this.options.settings.updateIntervalMs);
          }
        });
    }, delayMs);
  }
}
