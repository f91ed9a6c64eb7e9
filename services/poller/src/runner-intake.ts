import type { RunnerConfig } from '@taskfleet/config';
import type { Clock, GitlabClient } from '@taskfleet/gitlab';
import type { JobQueue } from '@taskfleet/job-queue';
import type { Registry } from '@taskfleet/registry';
import type { Tracer } from '@taskfleet/telemetry';
import type { Logger } from 'pino';

import type { BackoffPolicy } from './backoff';
import type { ConcurrentLimit } from './intake-limits';
import type { RequestGate, RequestGateFigures } from './request-gate';

/** How one intake round went, for liveness (the loop is turning) and request counts. */
export type IntakeEvent =
  | { readonly kind: 'request-started' }
  | { readonly kind: 'request-finished'; readonly outcome: 'job' | 'none' | 'invalid-job' }
  | { readonly kind: 'request-failed' }
  | { readonly kind: 'no-capacity' };

/** Told about every intake event of every runner; must not throw (a throw is only logged). */
export interface IntakeObserver {
  intakeEvent(runner: RunnerConfig, event: IntakeEvent): void;
  /** Told the request concurrency limit at start, after every answer that moves it, on reload. */
  requestConcurrency?(runner: RunnerConfig, figures: RequestGateFigures): void;
}

/**
 * Everything one runner's request loops share. `runner`, `settings`, `jobLimit` and
 * `concurrentLimit` are replaced on a config reload and read afresh every round.
 */
export interface RunnerIntake {
  runner: RunnerConfig;
  readonly runnerKey: string;
  readonly client: GitlabClient;
  readonly registry: Registry;
  readonly jobQueue: JobQueue;
  /** The 32-byte payload key; kept only in memory. */
  readonly payloadKey: Buffer;
  /** This poller's id as owner of its reservations. */
  readonly ownerId: string;
  readonly logger: Logger;
  readonly clock: Clock;
  settings: IntakeSettings;
  /** Most jobs this runner handles at once: `limit`, capped by `concurrent`. */
  jobLimit: number;
  /** The global `concurrent` over every runner entry, shared by all intakes of the poller. */
  concurrentLimit: ConcurrentLimit;
  readonly observer?: IntakeObserver | undefined;
  /** Spans of each job's intake (request, accept, enqueue); the no-op tracer when off. */
  readonly tracer: Tracer;
  /** Admits this runner's job requests up to its (adaptive) request concurrency. */
  readonly requestGate: RequestGate;
  /** Consecutive unhealthy (403) answers across this runner's loops. */
  unhealthyCount: number;
}

/** Timing knobs of the request loops; defaults come from the config and the poller. */
export interface IntakeSettings {
  /** Lifetime of a reservation; must exceed the longest long poll (registry README). */
  readonly reservationTtlMs: number;
  /** How often a loop with no capacity wakes to try to reserve again. */
  readonly noCapacityWakeMs: number;
  /** Shortest time between two job requests of one loop (GitLab's `check_interval`). */
  readonly checkIntervalMs: number;
  /** Back-off after a failed request, reserve or enqueue. */
  readonly backoff: BackoffPolicy;
  /** Stands in for an unlimited `max_instances` in the registry's capacity sum. */
  readonly unlimitedInstances: number;
}
