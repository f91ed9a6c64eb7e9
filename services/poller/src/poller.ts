import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';

import type { Config, RunnerConfig } from '@taskfleet/config';
import { GitlabClient, buildRunnerInfo, unrefClock } from '@taskfleet/gitlab';
import type { Clock } from '@taskfleet/gitlab';
import { FailBackRequests, createJobQueue, runnerKeyFor } from '@taskfleet/job-queue';
import { createRegistry } from '@taskfleet/registry';
import { noopTracer } from '@taskfleet/telemetry';
import type { Tracer } from '@taskfleet/telemetry';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';

import { defaultBackoff } from './backoff';
import { PollerError } from './errors';
import type { BackoffPolicy } from './backoff';
import { runFailBackLoop } from './fail-back-loop';
import { runnerJobLimit } from './intake-limits';
import type { ConcurrentLimit } from './intake-limits';
import { RequestGate } from './request-gate';
import type { RequestGateFigures } from './request-gate';
import { runRequestLoop } from './request-loop';
import type { IntakeObserver, IntakeSettings, RunnerIntake } from './runner-intake';

/** The version the poller reports to GitLab in `info.version`. */
export const pollerVersion = '0.1.0';

/** Options of Poller; everything but config, redis and logger has a default. */
export interface PollerOptions {
  readonly config: Config;
  /** Shared by the registry and the queues; no ioredis `keyPrefix` (BullMQ refuses it). */
  readonly redis: Redis | Cluster;
  readonly logger: Logger;
  /** Drives every wait and timestamp. @defaultValue real time, timers unref'd */
  readonly clock?: Clock;
  /** Owner id of this poller's reservations. @defaultValue `poller-<random>` */
  readonly ownerId?: string;
  /** Builds the GitLab client of one runner entry (tests inject a scripted transport). */
  readonly createClient?: (runner: RunnerConfig, clock: Clock) => GitlabClient;
  readonly reservationTtlMs?: number;
  /** @defaultValue the config's `check_interval` */
  readonly noCapacityWakeMs?: number;
  readonly backoff?: BackoffPolicy;
  /** How long close() waits for accepted jobs to reach the queue. @defaultValue shutdown_timeout */
  readonly handoffGraceMs?: number;
  /** Told about every request and refusal (liveness, metrics). */
  readonly observer?: IntakeObserver;
  /** Traces each job's intake; its enqueue span's context travels in the queue entry. */
  readonly tracer?: Tracer;
}

/** One runner's request gate as {@link Poller.requestConcurrency} reports it. */
export interface RunnerRequestConcurrency extends RequestGateFigures {
  readonly runnerKey: string;
  /** Request loops waiting for a permit. */
  readonly waiting: number;
}

/** Reservations outlive GitLab's 50 s long poll with margin (registry README: no renewal). */
export const defaultReservationTtlMs = 120_000;

function defaultClient(logger: Logger): (runner: RunnerConfig, clock: Clock) => GitlabClient {
  return (runner, clock) =>
    new GitlabClient({
      url: runner.url,
      logger,
      clock,
      runnerInfo: buildRunnerInfo({ version: pollerVersion, shell: runner.shell }),
    });
}

/** Tells the observer the runner's request limit; a throwing observer is only logged. */
function reportRequestConcurrency(intake: RunnerIntake, figures: RequestGateFigures): void {
  intake.logger.debug(figures, 'request concurrency limit');
  try {
    intake.observer?.requestConcurrency?.(intake.runner, figures);
  } catch (err) {
    intake.logger.warn({ err }, 'intake observer failed');
  }
}

/**
 * Intake of every `[[runners]]` entry: up to `request_concurrency` request loops each (fewer
 * asking at once while the adaptive limit is lower), which reserve capacity, long-poll GitLab
 * and hand accepted jobs to the runner's queue.
 */
export class Poller {
  private readonly stopController = new AbortController();
  private readonly forceController = new AbortController();
  private readonly clock: Clock;
  private readonly ownerId: string;
  private readonly logger: Logger;
  private intakes: RunnerIntake[] = [];
  private config: Config;
  private loops: Promise<void>[] = [];
  private started = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: PollerOptions) {
    for (const [what, value] of [
      ['reservationTtlMs', options.reservationTtlMs],
      ['noCapacityWakeMs', options.noCapacityWakeMs],
      ['handoffGraceMs', options.handoffGraceMs],
    ] as const) {
      if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
        throw new PollerError('invalid_argument', `could not use ${what}: must be positive`);
      }
    }
    this.config = options.config;
    this.clock = options.clock ?? unrefClock;
    this.ownerId = options.ownerId ?? `poller-${randomBytes(6).toString('hex')}`;
    this.logger = options.logger.child({ component: 'poller', ownerId: this.ownerId });
  }

  /** Starts the request loops; a second call does nothing. */
  start(): void {
    if (this.started || this.closing !== undefined) {
      return;
    }
    this.started = true;
    const { config } = this;
    const settings = this.intakeSettings(config);
    const makeClient = this.options.createClient ?? defaultClient(this.logger);
    const payloadKey = config.taskfleet.payloadEncryptionKey.bytes();
    const registries = config.runners.map(runner =>
      createRegistry({
        redis: this.options.redis,
        keyPrefix: config.taskfleet.keyPrefix,
        runnerKey: runnerKeyFor(runner),
        logger: this.logger.child({ runnerKey: runnerKeyFor(runner) }),
        clock: () => this.clock.now(),
      }),
    );
    const concurrentLimit: ConcurrentLimit = { concurrent: config.concurrent, registries };
    for (const [index, runner] of config.runners.entries()) {
      const runnerKey = runnerKeyFor(runner);
      const logger = this.logger.child({ runnerKey });
      const registry = registries[index];
      if (registry === undefined) {
        continue;
      }
      const intake: RunnerIntake = {
        runner,
        runnerKey,
        client: makeClient(runner, this.clock),
        registry,
        jobQueue: createJobQueue({
          connection: this.options.redis,
          prefix: config.taskfleet.keyPrefix,
          runnerKey,
        }),
        payloadKey,
        ownerId: this.ownerId,
        logger,
        clock: this.clock,
        settings,
        jobLimit: runnerJobLimit(config, runner),
        concurrentLimit,
        unhealthyCount: 0,
        observer: this.options.observer,
        tracer: this.options.tracer ?? noopTracer,
        // Settings read through the intake, so a reload's runner entry applies at once.
        requestGate: new RequestGate(
          () => ({
            maxConcurrency: intake.runner.requestConcurrency,
            adaptive: intake.runner.featureFlags.useAdaptiveRequestConcurrency,
          }),
          figures => {
            reportRequestConcurrency(intake, figures);
          },
        ),
      };
      this.intakes.push(intake);
      const signals = { stop: this.stopController.signal, force: this.forceController.signal };
      // One loop per possible request; the gate lets `allowed` of them ask at a time. B03 is
      // handled by reservations that are never demand and pin no slot.
      intake.requestGate.refresh();
      for (let i = 0; i < runner.requestConcurrency; i++) {
        this.loops.push(runRequestLoop(intake, signals));
      }
      // Jobs an executor with another payload key could not open: this poller's key sealed them.
      const failBacks = new FailBackRequests(
        this.options.redis,
        config.taskfleet.keyPrefix,
        runnerKey,
      );
      this.loops.push(runFailBackLoop(intake, failBacks, signals));
      logger.info(
        {
          requestConcurrency: runner.requestConcurrency,
          adaptiveRequestConcurrency: runner.featureFlags.useAdaptiveRequestConcurrency,
          jobLimit: intake.jobLimit,
        },
        'poller runner started',
      );
    }
    // Every loop waits on both signals at once (a sleep, a long poll): a known fan-out, not a
    // leak, so Node's warning at 10 listeners is raised to what the loops can hold, with room.
    setMaxListeners(10 + 2 * this.loops.length, this.stopController.signal);
    setMaxListeners(10 + 2 * this.loops.length, this.forceController.signal);
  }

  /**
   * Applies a reloaded config to the running loops without stopping them (B48): each runner's
   * settings, policies and limits are read afresh from the next round. Throws, changing
   * nothing, when the runners are not the same ones (matched by runner key, never by token).
   */
  reconfigure(config: Config): void {
    const byKey = new Map(config.runners.map(runner => [runnerKeyFor(runner), runner]));
    const missing = this.intakes.filter(intake => !byKey.has(intake.runnerKey));
    if (missing.length > 0 || byKey.size !== this.intakes.length) {
      throw new PollerError(
        'invalid_argument',
        'could not reconfigure the poller: the [[runners]] entries changed (restart to add or remove one)',
      );
    }
    this.config = config;
    const settings = this.intakeSettings(config);
    const concurrentLimit: ConcurrentLimit = {
      concurrent: config.concurrent,
      registries: this.intakes.map(intake => intake.registry),
    };
    for (const intake of this.intakes) {
      const runner = byKey.get(intake.runnerKey) ?? intake.runner;
      intake.runner = runner;
      intake.settings = settings;
      intake.jobLimit = runnerJobLimit(config, runner);
      intake.concurrentLimit = concurrentLimit;
      // The feature flag may have changed: waiting loops go in at once if more are allowed.
      intake.requestGate.refresh();
    }
    this.logger.info({ runners: this.intakes.map(i => i.runnerKey) }, 'poller reconfigured');
  }

  private intakeSettings(config: Config): IntakeSettings {
    return {
      reservationTtlMs: this.options.reservationTtlMs ?? defaultReservationTtlMs,
      noCapacityWakeMs: this.options.noCapacityWakeMs ?? config.checkIntervalMs,
      checkIntervalMs: config.checkIntervalMs,
      backoff: this.options.backoff ?? defaultBackoff,
      unlimitedInstances: 1_000_000,
    };
  }

  /**
   * Each runner's request gate now, by runner key: requests allowed, the adaptive limit,
   * requests admitted and loops waiting for a permit (for status pages and tests).
   */
  requestConcurrency(): readonly RunnerRequestConcurrency[] {
    return this.intakes.map(intake => ({
      runnerKey: intake.runnerKey,
      ...intake.requestGate.figures(),
    }));
  }

  /** Stops polling, lets accepted jobs reach the queue (bounded), releases reservations. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.stopController.abort();
    const graceMs = this.options.handoffGraceMs ?? this.config.shutdownTimeoutMs;
    const graceOver = new AbortController();
    const allDone = Promise.all(this.loops);
    void this.clock.sleep(graceMs, graceOver.signal).then(() => {
      if (!graceOver.signal.aborted) {
        this.logger.error({ graceMs }, 'poller shutdown forced');
        this.forceController.abort();
      }
    });
    await allDone;
    graceOver.abort();
    for (const intake of this.intakes) {
      try {
        await intake.registry.releaseOwnerReservations(this.ownerId);
      } catch (err) {
        intake.logger.warn({ err }, 'could not release reservations at shutdown');
      }
      await intake.jobQueue.close();
    }
    this.logger.info({}, 'poller stopped');
  }
}
