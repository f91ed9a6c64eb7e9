import type { Redis } from 'ioredis';

import { RegistryError } from './errors';
import { KEY_SUFFIXES } from './keys';

/** Who holds a runner's scaler lease, as stored; for watchers, never for leading. */
export interface LeaseView {
  readonly holderId: string;
  readonly expiresAtMs: number;
}

/**
 * Reads the scaler leader lease under `baseKey` (see runnerBaseKey); undefined when none is
 * held or the stored one has expired by `nowMs`.
 */
export async function readLeaderLease(
  redis: Pick<Redis, 'hmget'>,
  baseKey: string,
  nowMs: number,
): Promise<LeaseView | undefined> {
  let holder: string | null | undefined;
  let expires: string | null | undefined;
  try {
    [holder, expires] = await redis.hmget(
      `${baseKey}${KEY_SUFFIXES.lease}`,
      'holder',
      'expiresAtMs',
    );
  } catch (error) {
    throw new RegistryError('redis_unavailable', 'could not read the leader lease', {
      cause: error,
    });
  }
  const expiresAtMs = Number(expires);
  if (holder == null || !Number.isFinite(expiresAtMs) || expiresAtMs <= nowMs) {
    return undefined;
  }
  return { holderId: holder, expiresAtMs };
}
