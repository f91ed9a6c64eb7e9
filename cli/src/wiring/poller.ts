import type { Config } from '@taskfleet/config';
import { Poller } from '@taskfleet/poller';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

import type { RunningService } from './service';
import type { ServiceTelemetry } from './service-telemetry';

/** Starts one poller for every `[[runners]]` entry (it builds its own GitLab clients and queues). */
export function startPoller(
  config: Config,
  redis: Redis,
  logger: Logger,
  telemetry?: ServiceTelemetry,
): RunningService {
  const poller = new Poller({
    config,
    redis,
    logger,
    ...(telemetry === undefined
      ? {}
      : { observer: telemetry.intakeObserver, tracer: telemetry.tracer }),
  });
  poller.start();
  return {
    name: 'poller',
    close: () => poller.close(),
    reconfigure: next => {
      poller.reconfigure(next);
    },
  };
}
