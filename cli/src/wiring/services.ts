import type { Config } from '@taskfleet/config';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

import { startExecutors } from './executor';
import { startPoller } from './poller';
import { startScalers } from './scaler';
import { startScalerWatch } from './scaler-watch';
import type { RunningService } from './service';
import { closeAll } from './service';
import type { ServiceTelemetry } from './service-telemetry';

/** Which part `taskfleet run` starts. */
export type ServiceRole = 'poller' | 'scaler' | 'executor' | 'all';

/** The roles `taskfleet run` accepts, in the order `all` starts them. */
export const serviceRoles: readonly ServiceRole[] = ['poller', 'scaler', 'executor', 'all'];

/**
 * Starts the asked parts on one shared Redis connection: executors first so no accepted job
 * waits for a consumer, then the scaler, then the poller that brings jobs in.
 */
export async function startServices(
  role: ServiceRole,
  config: Config,
  redis: Redis,
  logger: Logger,
  telemetry?: ServiceTelemetry,
): Promise<RunningService[]> {
  const started: RunningService[] = [];
  try {
    if (role === 'executor' || role === 'all') {
      const executorLogger = logger.child({ service: 'executor' });
      started.push(...(await startExecutors(config, redis, executorLogger, telemetry?.tracer)));
    }
    if (role === 'scaler' || role === 'all') {
      started.push(...startScalers(config, redis, logger.child({ service: 'scaler' }), telemetry));
    }
    if (role === 'poller' || role === 'all') {
      started.push(startPoller(config, redis, logger.child({ service: 'poller' }), telemetry));
    }
    if (role === 'poller' || role === 'executor') {
      // The scaler runs elsewhere (or not at all, by mistake): say so instead of waiting mutely.
      started.push(startScalerWatch(config, redis, logger));
    }
  } catch (error) {
    // What did start must not outlive a failed start.
    await closeAll(started);
    throw error;
  }
  return started;
}
