import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';

/** What the registry's parts share: the client, the runner's base key, the clock and the logger. */
export interface RegistryContext {
  readonly redis: Redis | Cluster;
  readonly baseKey: string;
  readonly clock: () => number;
  readonly logger: Logger;
}

/** Options of createRegistry. */
export interface RegistryOptions {
  /** A connected ioredis client or Cluster; the registry never closes it. */
  readonly redis: Redis | Cluster;
  /** Deployment-wide prefix (tests use a unique one each). */
  readonly keyPrefix: string;
  /** Identity of the runner whose fleet this is (group + runner id, never the token). */
  readonly runnerKey: string;
  /** The caller's clock in epoch ms; every timestamp the scripts store comes from it. */
  readonly clock?: () => number;
  readonly logger: Logger;
}

/** Options of beginDrain. */
export interface DrainOptions {
  /** Refuse a ready instance whose idle period started after this time (idle_time not reached). */
  readonly idleSinceAtMostMs?: number;
  readonly reason: string;
}
