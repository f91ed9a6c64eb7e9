import type { RunnerConfig } from '@taskfleet/config';
import type { IntakeObserver } from '@taskfleet/poller';
import type { Registry as FleetRegistry } from '@taskfleet/registry';
import type { ScalerObserver } from '@taskfleet/scaler';
import { ReportExporter, poolKey } from '@taskfleet/telemetry';
import type { PoolIdentity, ProcessMetrics, Registry, Tracer } from '@taskfleet/telemetry';
import type { Logger } from 'pino';

import { poolOf } from './pool-identity';
import { tickFigures } from './tick-figures';
import type { TickView } from './tick-figures';

/** What the services report to telemetry; the wiring hands one to each part it starts. */
export interface ServiceTelemetry {
  /** The observer of one runner's scaler; call the returned `stopped` when it closes. */
  scalerObserver(
    runner: () => RunnerConfig,
    registry: Pick<FleetRegistry, 'snapshot'>,
  ): { readonly observer: ScalerObserver; stopped(): void };
  readonly intakeObserver: IntakeObserver;
  /** Every service's spans; the no-op tracer when tracing is off. */
  readonly tracer: Tracer;
}

/** Planners running in this process per pool, for the no-second-planner figure (B48). */
export class PlannerCounts {
  private readonly counts = new Map<string, { pool: PoolIdentity; count: number }>();

  /** Counts one more planner of `pool`; the returned function counts it gone. */
  started(pool: PoolIdentity): () => void {
    const entry = this.counts.get(poolKey(pool)) ?? { pool, count: 0 };
    entry.count += 1;
    this.counts.set(poolKey(pool), entry);
    let stopped = false;
    return () => {
      if (!stopped) {
        stopped = true;
        entry.count -= 1;
      }
    };
  }

  /** Every pool ever started here, with how many planners it has now. */
  list(): readonly { readonly pool: PoolIdentity; readonly count: number }[] {
    return [...this.counts.values()];
  }
}

/** Builds the services' telemetry on one Prometheus registry. */
export function serviceTelemetry(input: {
  readonly registry: Registry;
  readonly metrics: ProcessMetrics;
  readonly planners: PlannerCounts;
  readonly logger: Logger;
  readonly tracer: Tracer;
}): ServiceTelemetry {
  const exporter = new ReportExporter<TickView>(input.registry, tickFigures);
  return {
    tracer: input.tracer,
    scalerObserver(runner, registry) {
      const pool = poolOf(runner());
      const stopped = input.planners.started(pool);
      const observer: ScalerObserver = {
        tickDone(outcome) {
          if (!outcome.led) {
            return;
          }
          // The snapshot after the tick gives the states; read asynchronously, off the tick.
          registry
            .snapshot()
            .then(snapshot => {
              exporter.observe(pool, { report: outcome, snapshot, runner: runner() });
            })
            .catch((err: unknown) => {
              input.logger.warn({ err, group: pool.group }, 'could not export tick figures');
            });
        },
        tickFailed() {
          input.metrics.missedUpdate(pool);
        },
      };
      return { observer, stopped };
    },
    intakeObserver: {
      intakeEvent(runner, event) {
        input.metrics.poll(poolOf(runner), event);
      },
      requestConcurrency(runner, figures) {
        input.metrics.requestConcurrency(poolOf(runner), figures.allowed);
      },
    },
  };
}
