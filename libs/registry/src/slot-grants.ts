import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';

import { RegistryError } from './errors';

/** Options of SlotGrantWatch. */
export interface SlotGrantWatchOptions {
  /** The registry's client; the watch subscribes on a duplicate of it and closes only that. */
  readonly redis: Redis | Cluster;
  /** `Registry.grantChannel` of each runner whose grants this process waits for. */
  readonly channels: readonly string[];
  readonly logger: Logger;
}

/**
 * One subscription per process to the registry's slot-grant announcements, so a job waiting for
 * a slot is woken when the claim script hands it one instead of polling for it. Announcements are
 * at most once (pub/sub): a waiter still looks again now and then, which also renews its place.
 */
export class SlotGrantWatch {
  private readonly wakers = new Map<string, Set<() => void>>();
  private subscriber: Redis | Cluster | undefined;

  constructor(private readonly options: SlotGrantWatchOptions) {}

  /** Opens the subscriber connection and subscribes; throws redis_unavailable on failure. */
  async start(): Promise<void> {
    if (this.subscriber !== undefined || this.options.channels.length === 0) {
      return;
    }
    const subscriber = this.options.redis.duplicate();
    this.subscriber = subscriber;
    subscriber.on('error', (error: unknown) => {
      this.options.logger.warn({ err: error }, 'slot grant subscription error');
    });
    subscriber.on('message', (_channel: string, jobId: string) => {
      this.wake(jobId);
    });
    try {
      await subscriber.subscribe(...this.options.channels);
    } catch (error) {
      throw new RegistryError('redis_unavailable', 'could not subscribe to slot grants', {
        cause: error,
      });
    }
  }

  /**
   * Resolves when a grant for `jobId` is announced, `signal` aborts, or `sleep` (the caller's
   * clock, given the same abort) ends first; which one happened is the caller's to look up.
   */
  async wait(
    jobId: string,
    sleep: (signal: AbortSignal) => Promise<void>,
    signal?: AbortSignal,
  ): Promise<void> {
    const woken = new AbortController();
    const wake = (): void => {
      woken.abort();
    };
    let set = this.wakers.get(jobId);
    if (set === undefined) {
      set = new Set();
      this.wakers.set(jobId, set);
    }
    set.add(wake);
    try {
      await sleep(signal === undefined ? woken.signal : AbortSignal.any([signal, woken.signal]));
    } finally {
      set.delete(wake);
      if (set.size === 0) {
        this.wakers.delete(jobId);
      }
    }
  }

  /** Closes the subscriber connection; waits in progress end at their own timeouts. */
  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber !== undefined) {
      await subscriber.quit().catch(() => {
        subscriber.disconnect();
      });
    }
  }

  private wake(jobId: string): void {
    for (const wake of this.wakers.get(jobId) ?? []) {
      wake();
    }
  }
}
