import type { Config } from '@taskfleet/config';
import {
  PollLiveness,
  ProcessMetrics,
  ReadinessGate,
  Registry,
  TelemetryError,
  noopTracer,
  startTelemetryServer,
} from '@taskfleet/telemetry';
import type { ReadinessCheck, TelemetryServer, Tracing } from '@taskfleet/telemetry';
import type { Logger } from 'pino';

import { CliError } from '../errors';
import { PlannerCounts, serviceTelemetry } from './service-telemetry';
import type { ServiceTelemetry } from './service-telemetry';

/**
 * Starts the listener; a port another process holds (the usual case: `run poller`, `run scaler`
 * and `run executor` from one config on one host) is an error that says how to give each its own.
 */
async function listenOrExplain(
  input: Parameters<typeof startTelemetryServer>[0],
): Promise<TelemetryServer> {
  try {
    return await startTelemetryServer(input);
  } catch (error) {
    const cause = error instanceof TelemetryError ? error.cause : undefined;
    const errno = (cause as { code?: unknown } | undefined)?.code;
    if (errno !== 'EADDRINUSE') {
      throw error;
    }
    throw new CliError(
      'address_in_use',
      `${(error as Error).message}: another process listens there; each taskfleet run on one ` +
        'host needs its own listen_address: pass --listen-address HOST:PORT (or off) per role, ' +
        'or give each role its own config',
      { cause: error, retryable: true },
    );
  }
}

/** The process's telemetry: metrics, tracing, readiness gate, liveness and their listener. */
export interface ProcessTelemetry {
  readonly gate: ReadinessGate;
  readonly metrics: ProcessMetrics;
  readonly services: ServiceTelemetry;
  /** Where /metrics, /healthz and /readyz are served; undefined without `listen_address`. */
  readonly server: TelemetryServer | undefined;
  /** The config in force, after a reload (the stall bound follows `check_interval`). */
  useConfig(config: Config): void;
  /** The services run: /readyz now re-runs the checks on every request. */
  servicesStarted(): void;
  /** Stops the listener, then flushes the spans still buffered (after the services stopped). */
  close(): Promise<void>;
}

/**
 * Builds the telemetry and, when `listen_address` is set, serves it before anything else starts,
 * so /readyz can say what the process is waiting for.
 */
export async function startProcessTelemetry(input: {
  readonly config: Config;
  readonly checks: readonly ReadinessCheck[];
  readonly logger: Logger;
  readonly clock?: () => number;
  /** The process's tracing (runServices sets it up first); spans are off without it. */
  readonly tracing?: Tracing;
}): Promise<ProcessTelemetry> {
  let config = input.config;
  const clock = input.clock ?? Date.now;
  const registry = new Registry();
  const gate = new ReadinessGate(input.checks);
  gate.setCondition('services', 'not started');
  let live = false;
  const liveness = new PollLiveness({ clock, checkIntervalMs: () => config.checkIntervalMs });
  const planners = new PlannerCounts();
  const metrics = new ProcessMetrics(registry, {
    liveness,
    readiness: gate,
    plannerCounts: () => planners.list(),
  });
  const services = serviceTelemetry({
    registry,
    metrics,
    planners,
    logger: input.logger,
    tracer: input.tracing?.tracer ?? noopTracer,
  });
  const logger = input.logger.child({ component: 'telemetry' });
  const address = config.listenAddress;
  const server =
    address === null
      ? undefined
      : await listenOrExplain({
          host: address.host,
          port: address.port,
          sources: {
            registry,
            liveness: () => ({
              pollers: liveness.health().map(h => ({
                group: h.pool.group,
                runner: h.pool.runner,
                lastSuccessfulPollAt:
                  h.lastSuccessfulPollAtMs === undefined
                    ? null
                    : new Date(h.lastSuccessfulPollAtMs).toISOString(),
                stalled: h.stalled,
              })),
              planners: planners.list().map(p => ({ ...p.pool, count: p.count })),
            }),
            // Before the services run, the start-up loop refreshes the checks; after, each
            // request does, so /readyz also turns 503 when Redis goes away later.
            readiness: () => (live ? gate.runOnce() : Promise.resolve(gate.report())),
          },
          onError: error => {
            logger.warn({ err: error }, 'telemetry request failed');
          },
        });
  if (server !== undefined) {
    logger.info({ host: server.host, port: server.port }, 'telemetry listening');
  }
  return {
    gate,
    metrics,
    services,
    server,
    useConfig(next) {
      config = next;
    },
    servicesStarted() {
      gate.setCondition('services', undefined);
      live = true;
    },
    close: async () => {
      await server?.close();
      await input.tracing?.shutdown();
    },
  };
}
