import type { InterruptionNotice } from '@taskfleet/fleeting';
import { inSpan, noopTracer, spanNames, traceAttributes } from '@taskfleet/telemetry';
import type { Attributes, Tracer } from '@taskfleet/telemetry';
import type { Logger } from 'pino';

import { ScalerError } from './errors';
import { HealthProbes } from './health-probes';
import { IdleConfirmations } from './idle-confirm';
import { LeaderLease } from './leader';
import { loadMemory } from './memory';
import { lifecycleTimings } from './settings';
import type { LifecycleTimings, ScalerSettings } from './settings';
import { unsafeSetupProblems } from './setup-check';
import { deleteInstancesOnShutdown } from './shutdown';
import { StraySchedule } from './stray-sweep';
import type { ShutdownDeletionReport } from './shutdown';
import { HeldCreationsLog } from './held-creations';
import { runTick } from './tick';
import type { TickReport, TickSetup } from './tick';
import { delayWithBackoffMs } from './tick-schedule';
import { SPOT_INTERRUPTION_REASON, takeInterruption } from './spot-warnings';
import type { InterruptionOutcome } from './spot-warnings';
import { defaultTimers } from './scaler-options';
import type { ScalerObserver, ScalerOptions, ScalerTimers, TickOutcome } from './scaler-options';

export type {
  AccountBackoff,
  DemandSource,
  ScalerObserver,
  ScalerOptions,
  ScalerTimers,
  TickOutcome,
} from './scaler-options';

/** The control loop of one runner's group; only the replica holding the lease acts. */
export class Scaler {
  private readonly clock: () => number;
  private readonly timers: ScalerTimers;
  private timings: LifecycleTimings;
  private settings: ScalerSettings;
  private readonly lease: LeaderLease;
  private readonly logger: Logger;
  private readonly tracer: Tracer;
  private readonly poolAttributes: Attributes;
  private initMaxSize: number | undefined;
  private running: Promise<TickOutcome> | undefined;
  private timer: unknown;
  private started = false;
  private setupChecked = false;
  private closed = false;
  private shutdownReport: ShutdownDeletionReport | undefined;
  /** Process-local part of the memory, carried from tick to tick (see ScalerMemory). */
  private readonly removalHoldsExtendedAtMs = new Map<string, number>();
  private readonly probes: HealthProbes;
  private readonly idleConfirm: IdleConfirmations;
  private readonly strays: StraySchedule;
  /** Removals made between ticks (spot warnings), counted in the next tick's report. */
  private carriedRemovals: string[] = [];
  private readonly heldCreations: HeldCreationsLog;

  constructor(private readonly options: ScalerOptions) {
    this.settings = options.settings;
    this.timings = lifecycleTimings(options.settings);
    this.clock = options.clock ?? Date.now;
    this.timers = options.timers ?? defaultTimers;
    this.logger = options.logger.child({ component: 'scaler', holderId: options.holderId });
    this.heldCreations = new HeldCreationsLog(this.logger);
    this.tracer = options.tracer ?? noopTracer;
    this.poolAttributes =
      options.pool === undefined
        ? {}
        : {
            [traceAttributes.group]: options.pool.group,
            [traceAttributes.runnerKey]: options.pool.runnerKey,
          };
    this.lease = new LeaderLease(
      options.registry,
      options.holderId,
      options.leaseTtlMs ?? this.timings.updateIntervalMs * 3,
      this.logger,
    );
    this.probes = new HealthProbes({
      maxConcurrent: options.maxConcurrentProbes ?? 16,
      logger: this.logger,
    });
    const cooldownMs = options.scaleInCooldownMs ?? 0;
    if (!Number.isFinite(cooldownMs) || cooldownMs < 0) {
      throw new ScalerError(
        'invalid_option',
        `could not create scaler: scale-in cooldown must be 0 or more, got ${String(cooldownMs)}`,
      );
    }
    this.strays = new StraySchedule(options.straySweepIntervalMs);
    this.idleConfirm = new IdleConfirmations(
      options.idleConfirmMs ?? 2 * this.timings.updateIntervalWhenExpectingMs,
    );
  }

  /** Starts ticking (every update interval, faster while a change is expected); a second call does nothing. */
  start(): void {
    if (this.started || this.closed) {
      return;
    }
    this.started = true;
    this.schedule(Math.max(0, this.options.startOffsetMs ?? 0));
  }

  /**
   * Stops the loop, waits for a running tick, removes the idle instances when
   * `delete_instances_on_shutdown` is set, and gives the lease up; idempotent.
   */
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
    await this.probes.close();
    if (this.timings.deleteInstancesOnShutdown) {
      try {
        this.shutdownReport = await deleteInstancesOnShutdown({
          ensureLease: () => this.lease.ensure(),
          setupFor: token => this.setupFor(token),
          wait: delayMs => this.wait(delayMs),
          logger: this.logger,
        });
      } catch (error) {
        this.logger.error({ err: error }, 'shutdown deletion failed');
      }
    }
    await this.lease.release().catch((error: unknown) => {
      this.logger.warn({ err: error }, 'could not release leader lease');
    });
    this.logger.info('scaler stopped');
  }

  /**
   * Takes new settings (a config reload) from the next tick on: policies, idle count, intervals;
   * the loop, the lease and the memory stay, so the group keeps one planner (B48).
   */
  reconfigure(settings: ScalerSettings): void {
    this.settings = settings;
    this.timings = lifecycleTimings(settings);
  }

  /** How the shutdown deletion of the last close() ended; undefined when none ran. */
  lastShutdownDeletion(): ShutdownDeletionReport | undefined {
    return this.shutdownReport;
  }

  /** Resolves once the ready checks and heartbeats running in the background have finished. */
  probesSettled(): Promise<void> {
    return this.probes.settled();
  }

  /** Whether this replica held the leader lease at its last tick or notice (no Redis call). */
  leading(): boolean {
    return !this.closed && this.lease.leading();
  }

  /**
   * Acts on a cloud's interruption notice at once, between ticks, if this replica leads (fenced
   * by the lease's token); a spot warning takes the instance out of service (B50).
   */
  async handleInterruption(notice: InterruptionNotice): Promise<InterruptionOutcome> {
    if (this.closed) {
      return 'not_leader';
    }
    const fencingToken = await this.lease.ensure();
    if (fencingToken === undefined) {
      return 'not_leader';
    }
    const outcome = await takeInterruption(
      { registry: this.options.registry, logger: this.logger, fencingToken },
      notice,
    );
    if (outcome === 'taken_out') {
      this.carriedRemovals.push(SPOT_INTERRUPTION_REASON);
    }
    return outcome;
  }

  /** Runs one tick now (or joins the one running); rejects after close. */
  tick(): Promise<TickOutcome> {
    if (this.closed) {
      return Promise.reject(new ScalerError('closed', 'could not tick: scaler closed'));
    }
    this.running ??= this.tickOnce()
      .then(
        outcome => {
          this.tell(observer => {
            observer.tickDone(outcome);
          });
          return outcome;
        },
        (error: unknown) => {
          this.tell(observer => {
            observer.tickFailed(error);
          });
          throw error;
        },
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private tell(call: (observer: ScalerObserver) => void): void {
    if (this.options.observer === undefined) {
      return;
    }
    try {
      call(this.options.observer);
    } catch (error) {
      this.logger.warn({ err: error }, 'scaler observer failed');
    }
  }

  private async setupFor(fencingToken: number): Promise<TickSetup> {
    if (this.initMaxSize === undefined) {
      this.initMaxSize = (await this.options.provider.init()).maxSize;
    }
    const nowMs = this.clock();
    // Read fresh every tick: a new leader, or this one after losing the lease, goes on from
    // what the last leader wrote, probe schedule included.
    const memory = {
      ...(await loadMemory(this.options.registry, this.settings.scaleThrottle, nowMs)),
      removalHoldsExtendedAtMs: this.removalHoldsExtendedAtMs,
    };
    this.probes.useSchedule(memory.probeDueAtMs);
    return {
      provider: this.options.provider,
      registry: this.options.registry,
      settings: this.settings,
      timings: this.timings,
      logger: this.logger,
      fencingToken,
      nowMs,
      creationTimeoutMs: this.options.creationTimeoutMs ?? 600_000,
      orphanGraceMs: this.options.orphanGraceMs ?? 30_000,
      readyConnectTimeoutMs: this.options.readyConnectTimeoutMs ?? 30_000,
      readyTimeoutMs: this.options.readyTimeoutMs ?? 60_000,
      memory,
      hooks: this.options.hooks ?? {},
      tracer: this.tracer,
      ...(this.options.creationBudget === undefined
        ? {}
        : { creationBudget: this.options.creationBudget }),
      probes: this.probes,
      heartbeat: {
        intervalMs: this.options.heartbeatIntervalMs ?? 300_000,
        timeoutMs: this.options.heartbeatTimeoutMs ?? 30_000,
      },
      idleConfirm: this.idleConfirm,
      scaleInCooldownMs: this.options.scaleInCooldownMs ?? 0,
      strays: this.strays,
      ...(this.options.spotHandoff === undefined ? {} : { spotHandoff: this.options.spotHandoff }),
    };
  }

  private async tickOnce(): Promise<TickOutcome> {
    const fencingToken = await this.lease.ensure();
    if (fencingToken === undefined) {
      // What this replica's probes found is not its to write any more: the leader probes anew.
      this.probes.take();
      return { led: false };
    }
    const setup = await this.setupFor(fencingToken);
    const queued = await this.options.demand.queuedJobCount();
    const carried = this.carriedRemovals;
    this.carriedRemovals = [];
    let report: TickReport;
    try {
      report = await inSpan(
        this.tracer,
        spanNames.scalerTick,
        { attributes: this.poolAttributes },
        async span => {
          const tick = await runTick(
            { ...setup, carriedRemovals: carried },
            queued,
            this.initMaxSize ?? 0,
          );
          span.setAttributes(tickAttributes(tick));
          this.heldCreations.note(tick.apply);
          return tick;
        },
      );
    } catch (error) {
      // Not reported yet: the next tick counts them.
      this.carriedRemovals.unshift(...carried);
      throw error;
    }
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

  private wait(delayMs: number): Promise<void> {
    return new Promise(resolve => {
      this.timers.setTimeout(resolve, delayMs);
    });
  }

  private schedule(delayMs: number): void {
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      let nextMs = this.timings.updateIntervalMs;
      this.tick()
        .then(outcome => {
          if (outcome.led) {
            nextMs = outcome.nextTickDelayMs;
          }
        })
        .catch((error: unknown) => {
          // Throttling is handled (the account backs off, nothing was decided): not an error.
          const throttled = (error as { code?: unknown } | null)?.code === 'throttled';
          this.logger[throttled ? 'warn' : 'error']({ err: error }, 'scaler tick failed');
        })
        .finally(() => {
          if (!this.closed) {
            const backoffMs = this.options.accountBackoff?.remainingMs() ?? 0;
            this.schedule(delayWithBackoffMs(nextMs, backoffMs));
          }
        });
    }, delayMs);
  }
}

/** The span attributes of one tick: the plan's figures and what was done with them. */
function tickAttributes(tick: TickReport): Attributes {
  const { plan, apply } = tick;
  return {
    [traceAttributes.planQueuedJobs]: plan.queued,
    [traceAttributes.planPendingJobs]: plan.pending,
    [traceAttributes.planInUseSlots]: plan.inUseSlots,
    [traceAttributes.planIdleTargetSlots]: plan.idleTargetSlots,
    [traceAttributes.planInstances]: plan.instanceCount,
    [traceAttributes.planTargetInstances]: plan.targetInstances,
    [traceAttributes.planToCreate]: plan.toCreate,
    [traceAttributes.planLimitedBy]: plan.limitedBy ?? 'none',
    [traceAttributes.planRemovals]: tick.removals.length,
    [traceAttributes.increaseGranted]: apply.granted,
    [traceAttributes.increaseRequested]: apply.requested,
    [traceAttributes.terminated]: apply.terminated.length,
  };
}
