import type { Config } from '@taskfleet/config';
import { Poller } from '@taskfleet/poller';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

import type { RunningService } from './service';

/** Starts one poller for every `[[runners]]` entry (it builds its own GitLab clients and queues). */
export function startPoller(config: Config, redis: Redis, logger: Logger): RunningService {
  const poller = new Poller({ config, redis, logger });
  poller.start();
  return { name: 'poller', close: () => poller.close() };
}
