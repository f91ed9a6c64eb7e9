import type { InterruptionMessage, InterruptionSource } from '@taskfleet/fleeting';
import type { Logger } from 'pino';

import { defaultTimers } from './scaler-options';
import type { SpotHandoff } from './spot-handoff';
import type { ScalerTimers } from './scaler-options';
import type { InterruptionOutcome } from './spot-warnings';

/** A pool's scaler as the watch sees it. */
export interface InterruptionTarget {
  /** Whether it held the leader lease at last look; only a leader's watch reads the queue. */
  leading(): boolean;
  handleInterruption(
    notice: NonNullable<InterruptionMessage['notice']>,
  ): Promise<InterruptionOutcome>;
}

/** The back-off after a failed receive (e.g. provider-aws's ApiBackoff). */
export interface WatchBackoff {
  /** Records a failure; returns how long to wait before the next receive, in ms. */
  noteThrottled(): number;
  noteAnswered(): void;
}

/** Options of {@link InterruptionWatch}. */
export interface InterruptionWatchOptions {
  readonly source: InterruptionSource;
  /** The pools whose instances the source's notices may name (one queue can serve several). */
  readonly targets: readonly InterruptionTarget[];
  readonly backoff: WatchBackoff;
  readonly logger: Logger;
  readonly timers?: ScalerTimers;
  /**
   * Where a notice for an instance none of `targets` knows is left for the pool that does, in
   * this process or another reading the same queue (spot-handoff.ts). Without it such a notice
   * is deleted as unknown: only right when no other process reads the queue.
   */
  readonly handoff?: SpotHandoff;
  /** How often a watch whose pools all follow another replica looks again. Default 1 s. */
  readonly followerCheckMs?: number;
}

/**
 * Reads a cloud's interruption notices while one of its pools leads (B50): each notice goes to
 * the pools until one knows the instance. A message is deleted once handled, or when it is no
 * notice (logged), or names no instance of these pools: then it is handed on (`handoff`) to the
 * pool that knows it, here or in another process; it stays (and comes back) when the leader must
 * act on it but could not, or the handing on failed. A failed receive waits out a growing
 * back-off; nothing ends the loop but close().
 */
export class InterruptionWatch {
  private readonly timers: ScalerTimers;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private timer: unknown;
  private closed = false;

  constructor(private readonly options: InterruptionWatchOptions) {
    this.timers = options.timers ?? defaultTimers;
  }

  /** Starts the loop; a second call does nothing. */
  start(): void {
    this.loop ??= this.run();
  }

  /** Ends the loop (a long poll in flight is aborted) and closes the source; idempotent. */
  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.abort.abort();
    if (this.timer !== undefined) {
      this.timers.clearTimeout(this.timer);
    }
    this.wake?.();
    await this.loop;
    this.options.source.close();
  }

  private async run(): Promise<void> {
    const { source, targets, backoff, logger } = this.options;
    while (!this.closed) {
      if (!targets.some(t => t.leading())) {
        await this.sleep(this.options.followerCheckMs ?? 1_000);
        continue;
      }
      let messages: readonly InterruptionMessage[];
      try {
        messages = await source.receive(this.abort.signal);
        backoff.noteAnswered();
      } catch (error) {
        if (this.abort.signal.aborted) {
          break;
        }
        const delayMs = backoff.noteThrottled();
        logger.warn({ err: error, delayMs }, 'interruption queue receive failed');
        await this.sleep(delayMs);
        continue;
      }
      for (const message of messages) {
        await this.handle(message);
      }
    }
  }

  private async handle(message: InterruptionMessage): Promise<void> {
    const { logger } = this.options;
    if (message.notice === undefined) {
      logger.warn({ problem: message.problem }, 'interruption message ignored');
      await this.acknowledge(message.handle);
      return;
    }
    const notice = message.notice;
    let leaderMissing = false;
    for (const target of this.options.targets) {
      let outcome: InterruptionOutcome;
      try {
        outcome = await target.handleInterruption(notice);
      } catch (error) {
        // Left on the queue: it comes back after its visibility timeout and is tried again.
        logger.error({ err: error, instanceId: notice.instanceId }, 'interruption not handled');
        return;
      }
      if (outcome === 'not_leader') {
        leaderMissing = true;
      } else if (outcome !== 'unknown') {
        logger.info(
          { instanceId: notice.instanceId, kind: notice.kind, outcome },
          'interruption handled',
        );
        await this.acknowledge(message.handle);
        return;
      }
    }
    if (leaderMissing) {
      return;
    }
    const handoff = this.options.handoff;
    if (handoff !== undefined) {
      // Another process may read this queue for other pools: the pool that knows the instance
      // takes it from the handoff at its next tick (spot-handoff.ts explains why not the queue).
      try {
        await handoff.hand(notice);
      } catch (error) {
        // Left on the queue: it comes back after its visibility timeout and is tried again.
        logger.warn({ err: error, instanceId: notice.instanceId }, 'interruption not handed on');
        return;
      }
      logger.info(
        { instanceId: notice.instanceId, kind: notice.kind },
        'interruption handed on: no pool here knows the instance',
      );
      await this.acknowledge(message.handle);
      return;
    }
    logger.info(
      { instanceId: notice.instanceId, kind: notice.kind },
      'interruption of an unknown instance',
    );
    await this.acknowledge(message.handle);
  }

  private async acknowledge(handle: string): Promise<void> {
    try {
      await this.options.source.acknowledge(handle);
    } catch (error) {
      // Handling is idempotent: a message delivered again is handled again.
      this.options.logger.warn({ err: error }, 'interruption message not deleted');
    }
  }

  private sleep(delayMs: number): Promise<void> {
    return new Promise(resolve => {
      this.wake = resolve;
      this.timer = this.timers.setTimeout(() => {
        this.timer = undefined;
        resolve();
      }, delayMs);
    });
  }
}
