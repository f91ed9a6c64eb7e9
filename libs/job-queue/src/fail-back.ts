import type { Cluster, Redis } from 'ioredis';

import { JobQueueError } from './errors';
import type { EncryptedPayload } from './payload-crypto';
import { jobQueuePrefix } from './queue-name';

/** Why an executor handed a job back instead of running it. */
export type FailBackReason = 'payload_key_mismatch';

/**
 * A job an executor could not decrypt (its payload key differs from the poller's), left for a
 * poller that holds the key it was sealed with to fail it back to GitLab.
 */
export interface FailBackRequest {
  readonly gitlabJobId: number;
  /** The job's id-and-token envelope, still encrypted: only the sealing key opens it. */
  readonly report: EncryptedPayload;
  readonly reason: FailBackReason;
}

/** The last key mismatch an executor met: which key sealed the job, which one it holds. */
export interface KeyMismatchSeen {
  /** `kid` of the job's envelope (`payloadKeyId` of the poller's key). */
  readonly jobKeyId: string;
  /** `payloadKeyId` of the executor's key. */
  readonly executorKeyId: string;
  readonly atMs: number;
}

// Kept a day, so `taskfleet check` can still name a mismatch after the jobs were failed back.
const mismatchTtlSeconds = 24 * 3600;

// A request that no poller can open (every poller has yet another key) goes away by itself.
const requestTtlSeconds = 7 * 24 * 3600;

function isRequest(value: unknown): value is FailBackRequest {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const v = value as Record<string, unknown>;
  return (
    Number.isSafeInteger(v.gitlabJobId) &&
    typeof v.report === 'object' &&
    v.report !== null &&
    v.reason === 'payload_key_mismatch'
  );
}

/** One runner's fail-back requests: a Redis hash by GitLab job id under the queue's hash tag. */
export class FailBackRequests {
  private readonly key: string;
  private readonly mismatchKey: string;

  constructor(
    private readonly redis: Redis | Cluster,
    keyPrefix: string,
    runnerKey: string,
  ) {
    this.key = `${jobQueuePrefix(keyPrefix, runnerKey)}:fail-back`;
    this.mismatchKey = `${this.key}:last-mismatch`;
  }

  /**
   * Records a request (a second one for the same job replaces the first) and the mismatch
   * behind it.
   */
  async add(request: FailBackRequest, seen: KeyMismatchSeen): Promise<void> {
    await this.call(async () => {
      await this.redis
        .multi()
        .hset(this.key, String(request.gitlabJobId), JSON.stringify(request))
        .expire(this.key, requestTtlSeconds)
        .set(this.mismatchKey, JSON.stringify(seen), 'EX', mismatchTtlSeconds)
        .exec();
    });
  }

  /** The last key mismatch recorded within a day, or undefined. */
  async lastMismatch(): Promise<KeyMismatchSeen | undefined> {
    const text = await this.call(() => this.redis.get(this.mismatchKey));
    if (text === null) {
      return undefined;
    }
    try {
      const seen = JSON.parse(text) as Partial<KeyMismatchSeen>;
      return typeof seen.jobKeyId === 'string' &&
        typeof seen.executorKeyId === 'string' &&
        typeof seen.atMs === 'number'
        ? { jobKeyId: seen.jobKeyId, executorKeyId: seen.executorKeyId, atMs: seen.atMs }
        : undefined;
    } catch {
      return undefined;
    }
  }

  /** Every request waiting; entries that are not requests are skipped. */
  async list(): Promise<FailBackRequest[]> {
    const entries = await this.call(() => this.redis.hgetall(this.key));
    return Object.values(entries)
      .map(text => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          return undefined;
        }
      })
      .filter(isRequest);
  }

  /** Removes the request of one job once GitLab was told (or the job was already final). */
  async remove(gitlabJobId: number): Promise<void> {
    await this.call(() => this.redis.hdel(this.key, String(gitlabJobId)));
  }

  private async call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (cause) {
      throw new JobQueueError('redis_unavailable', 'could not reach fail-back requests', { cause });
    }
  }
}
