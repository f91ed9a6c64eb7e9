import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

import { metricNames } from './metric-names';
import type { PollEvent, PollLiveness } from './poll-liveness';
import type { PoolIdentity } from './pool-labels';
import { poolLabelNames, poolLabels } from './pool-labels';
import type { ReadinessGate } from './readiness';

/** Where the process-wide figures are read from at scrape time. */
export interface ProcessSources {
  readonly liveness: PollLiveness;
  readonly readiness: ReadinessGate;
  /** Scalers running in this process, per pool (must stay 1: B48, no second planner). */
  plannerCounts(): readonly { readonly pool: PoolIdentity; readonly count: number }[];
}

/** Process-wide figures: reloads, readiness, the intake loops' liveness, planners per pool. */
export class ProcessMetrics {
  private readonly reloads: Counter;
  private readonly reloadFailures: Counter;
  private readonly pollRequests: Counter;
  private readonly missedUpdates: Counter;
  private readonly requestConcurrencyLimit: Gauge;

  constructor(
    registry: Registry,
    private readonly sources: ProcessSources,
  ) {
    const registers = [registry];
    this.reloads = new Counter({
      name: metricNames.configReloads,
      help: 'Config reloads applied (SIGHUP).',
      registers,
    });
    this.reloadFailures = new Counter({
      name: metricNames.configReloadFailures,
      help: 'Config reloads refused; the process kept its previous config.',
      registers,
    });
    this.pollRequests = new Counter({
      name: metricNames.pollerRequests,
      help: 'Job requests to GitLab by how they ended.',
      labelNames: [...poolLabelNames, 'outcome'],
      registers,
    });
    this.requestConcurrencyLimit = new Gauge({
      name: metricNames.pollerRequestConcurrencyLimit,
      help:
        'Job requests this runner may have in flight now: the adaptive limit rounded up ' +
        '(FF_USE_ADAPTIVE_REQUEST_CONCURRENCY), or request_concurrency with the flag off.',
      labelNames: [...poolLabelNames],
      registers,
    });
    this.missedUpdates = new Counter({
      name: metricNames.provisionerMissedUpdates,
      help: 'Scaler ticks that failed (the group was not reconciled that cycle).',
      labelNames: [...poolLabelNames],
      registers,
    });
    new Gauge({
      name: metricNames.readinessCheck,
      help: 'Start-up readiness per dependency: 1 passing, 0 missing.',
      labelNames: ['check'],
      registers,
      collect() {
        this.reset();
        for (const check of sources.readiness.report().checks) {
          this.set({ check: check.name }, check.ok ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: metricNames.pollerLastSuccessfulPoll,
      help: 'When GitLab last answered a job request of this runner (epoch seconds).',
      labelNames: [...poolLabelNames],
      registers,
      collect() {
        this.reset();
        for (const h of sources.liveness.health()) {
          if (h.lastSuccessfulPollAtMs !== undefined) {
            this.set(poolLabels(h.pool), h.lastSuccessfulPollAtMs / 1000);
          }
        }
      },
    });
    new Gauge({
      name: metricNames.pollerStalled,
      help: 'Intake loop quiet for 2 check intervals with capacity to take jobs (1), else 0.',
      labelNames: [...poolLabelNames],
      registers,
      collect() {
        this.reset();
        for (const h of sources.liveness.health()) {
          this.set(poolLabels(h.pool), h.stalled ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: metricNames.scalerPlanners,
      help: 'Scaler loops of this pool running in this process (more than 1 is a bug).',
      labelNames: [...poolLabelNames],
      registers,
      collect() {
        this.reset();
        for (const { pool, count } of sources.plannerCounts()) {
          this.set(poolLabels(pool), count);
        }
      },
    });
  }

  /** Counts an applied reload. */
  reloaded(): void {
    this.reloads.inc();
  }

  /** Counts a refused reload. */
  reloadFailed(): void {
    this.reloadFailures.inc();
  }

  /** Counts a failed scaler tick of a pool. */
  missedUpdate(pool: PoolIdentity): void {
    this.missedUpdates.inc(poolLabels(pool));
  }

  /** Sets a runner's request concurrency limit, as its poller last reported it. */
  requestConcurrency(pool: PoolIdentity, allowed: number): void {
    this.requestConcurrencyLimit.set(poolLabels(pool), allowed);
  }

  /** Feeds one intake event to the liveness tracker and the request counter. */
  poll(pool: PoolIdentity, event: PollEvent): void {
    this.sources.liveness.record(pool, event);
    if (event.kind === 'request-finished') {
      this.pollRequests.inc({ ...poolLabels(pool), outcome: event.outcome });
    } else if (event.kind === 'request-failed') {
      this.pollRequests.inc({ ...poolLabels(pool), outcome: 'failed' });
    }
  }
}
