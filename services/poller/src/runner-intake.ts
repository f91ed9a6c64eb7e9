import type { RunnerConfig } from '@taskfleet/config';
import type { Clock, GitlabClient } from '@taskfleet/gitlab';
import type { JobQueue } from '@taskfleet/job-queue';
import type { Registry } from '@taskfleet/registry';
import type { Logger } from 'pino';

import type { BackoffPolicy } from './backoff';
import type { ConcurrentLimit } from './intake-limits';

/** Everything one runner's request loops share. */
export interface RunnerIntake {
  readonly runner: RunnerConfig;
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
  readonly settings: IntakeSettings;
  /** Most jobs this runner handles at once: `limit`, capped by `concurrent`. */
  readonly jobLimit: number;
  /** The global `concurrent` over every runner entry, shared by all intakes of the poller. */
  readonly concurrentLimit: ConcurrentLimit;
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
