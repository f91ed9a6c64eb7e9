import type { Logger } from 'pino';

import { systemClock } from '../clock';
import type { Clock } from '../clock';
import { errnoOf } from '../errors';
import type { JobStatusHeaders } from '../job-status';
import { unboundOf } from '../log-bindings';
import { BoundedLog } from './bounded-log';
import { LogMasker } from './log-masker';
import { defaultOutputLimitBytes } from './output-limit';
import { maxPatchBytes } from './patch-trace';
import {
  defaultForceSendIntervalMs,
  defaultMaxRetainedBytes,
  defaultTraceUpdateIntervalMs,
} from './trace-writer-options';
import type {
  HeldLog,
  TraceStopReason,
  TraceSummary,
  TraceWriterOptions,
} from './trace-writer-options';
import { resyncToStored } from './trace-writer-resync';
import type { UnsentLog } from './unsent-log';

export {
  defaultForceSendIntervalMs,
  defaultMaxRetainedBytes,
  defaultTraceUpdateIntervalMs,
} from './trace-writer-options';
export type {
  HeldLog,
  TraceStopReason,
  TraceSummary,
  TraceWriterOptions,
} from './trace-writer-options';

/**
 * One job's log on its way to GitLab: masks, caps at `output_limit`, holds what GitLab has not
 * acknowledged (bounded), and sends it as incremental PATCHes on the update interval.
 */
export class TraceWriter {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly masker: LogMasker;
  private readonly log: BoundedLog;
  private readonly unsent: UnsentLog;
  private readonly abortController = new AbortController();
  private readonly cancelController = new AbortController();
  private readonly loopStop = new AbortController();
  private readonly highWater: number;
  private intervalMs: number;
  private lastContactMs: number;
  private sendChain: Promise<void> = Promise.resolve();
  private loop: Promise<void> | undefined;
  private finishing: Promise<TraceSummary> | undefined;
  private closed = false;
  private stopReason: TraceStopReason | undefined;
  private patchingStopped = false;
  private drainWaiters: Array<() => void> = [];

  constructor(private readonly options: TraceWriterOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger.child(
      unboundOf(options.logger, { component: 'trace-writer', jobId: options.jobId }),
    );
    this.masker = new LogMasker({
      maskedValues: options.maskedValues ?? [],
      tokenMaskPrefixes: options.tokenMaskPrefixes ?? [],
    });
    const maxBuffered = options.maxBufferedBytes ?? 16 * 1024 * 1024;
    this.log = new BoundedLog(
      options.outputLimitBytes ?? defaultOutputLimitBytes,
      maxBuffered,
      this.logger,
      options.maxRetainedBytes ?? defaultMaxRetainedBytes,
    );
    this.unsent = this.log.unsent;
    this.highWater = Math.min(options.highWaterMarkBytes ?? 2 * maxPatchBytes, maxBuffered);
    this.intervalMs = options.updateIntervalMs ?? defaultTraceUpdateIntervalMs;
    this.lastContactMs = this.clock.now();
  }

  /** Aborted when GitLab says the job is no longer ours (403, canceled, failed); the reason is a TraceStopReason. */
  get abortSignal(): AbortSignal {
    return this.abortController.signal;
  }

  /** Aborted when GitLab asks for a graceful cancel (`Job-Status: canceling`). */
  get cancelSignal(): AbortSignal {
    return this.cancelController.signal;
  }

  /** Bytes in flight: unacknowledged log plus the masker's held-back tail (the retained head aside). */
  get bufferedBytes(): number {
    return this.unsent.pendingBytes + this.masker.heldBytes;
  }

  /** The update interval now in force (server's `X-GitLab-Trace-Update-Interval` or default). */
  get updateIntervalMs(): number {
    return this.intervalMs;
  }

  /** Starts sending on the update interval; call once after creating the writer. */
  start(): void {
    this.loop ??= this.runLoop();
  }

  /** Adds job output; returns false when the caller should wait (`waitForDrain`) before writing more. */
  write(data: Uint8Array | string): boolean {
    if (this.closed || this.stopReason !== undefined) {
      return false;
    }
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (const piece of this.masker.write(bytes)) {
      this.log.append(piece);
    }
    if (this.patchingStopped) {
      // Still counted in checksum and size, but never sent, so not kept.
      this.unsent.discardPending();
    }
    return this.unsent.pendingBytes < this.highWater;
  }

  /** Resolves once the unacknowledged bytes fall below the high-water mark, or the writer stops. */
  waitForDrain(): Promise<void> {
    if (this.isDrained()) {
      return Promise.resolve();
    }
    return new Promise(resolve => this.drainWaiters.push(resolve));
  }

  /** Sends what is pending now, in patches of at most 1 MiB, until done or a patch fails. */
  flush(): Promise<void> {
    const run = this.sendChain.then(() => this.sendPending());
    this.sendChain = run.catch(() => undefined);
    return run;
  }

  /**
   * Keeps sending pending bytes until all are stored, GitLab stops the job, or `timeoutMs`
   * passes (sleeping the update interval between failed rounds); never closes the writer.
   */
  async drain(timeoutMs = this.options.finishTimeoutMs ?? 60_000): Promise<TraceSummary> {
    const deadlineMs = this.clock.now() + timeoutMs;
    while (this.unsent.pendingBytes > 0 && this.stopReason === undefined && !this.patchingStopped) {
      await this.flush();
      const leftMs = deadlineMs - this.clock.now();
      if (this.unsent.pendingBytes === 0 || leftMs <= 0) {
        break;
      }
      await this.clock.sleep(Math.min(this.intervalMs, leftMs));
    }
    return this.summary();
  }

  /** Ends the log: flushes the masker, sends everything left (see `drain`), and returns the summary. */
  finish(timeoutMs?: number): Promise<TraceSummary> {
    this.finishing ??= this.finishOnce(timeoutMs);
    return this.finishing;
  }

  /**
   * Makes the whole log unsent again (GitLab answered the final update 412: it lost the log), so
   * the next `drain` re-sends it from byte 0; false when the head is no longer held.
   */
  rewind(): boolean {
    if (this.stopReason !== undefined || !this.unsent.rewindTo(0)) {
      return false;
    }
    this.logger.info({}, 'job log rewound to byte 0');
    return true;
  }

  /**
   * Ends the log without sending more: flushes the masker, waits for a patch in flight, and
   * returns the summary, every byte GitLab has not acknowledged (`pending`) and, when they are no
   * more than `maxHeldBytes`, every byte still held (`held`: the retained head too), for a
   * durable outbox.
   */
  async seal(maxHeldBytes = Number.POSITIVE_INFINITY): Promise<{
    readonly summary: TraceSummary;
    readonly pending: Buffer;
    readonly held: HeldLog | undefined;
  }> {
    this.closed = true;
    this.loopStop.abort();
    await this.loop;
    await this.sendChain;
    for (const piece of this.masker.end()) {
      this.log.append(piece);
    }
    this.log.closeGap();
    this.wakeDrainWaiters(true);
    return {
      summary: this.summary(),
      pending: this.unsent.peek(this.unsent.pendingBytes),
      // Copied only when small: a big log would cost its size again in memory at every job end.
      held:
        this.unsent.retainedBytes + this.unsent.pendingBytes <= maxHeldBytes
          ? { fromOffset: this.unsent.heldFromOffset, bytes: this.unsent.held() }
          : undefined,
    };
  }

  /** The log's checksum, size and delivery state right now. */
  summary(): TraceSummary {
    return {
      checksum: this.log.checksum,
      bytesize: this.log.bytesize,
      sentBytes: this.unsent.ackedBytes,
      complete: this.unsent.ackedBytes === this.log.bytesize && this.masker.heldBytes === 0,
      stopped: this.stopReason,
      cancelRequested: this.cancelController.signal.aborted,
      limitReached: this.log.limitReached,
      bytesOverLimit: this.log.bytesOverLimit,
      bytesDroppedUnsent: this.log.bytesDroppedUnsent,
    };
  }

  private async finishOnce(timeoutMs: number | undefined): Promise<TraceSummary> {
    this.closed = true;
    this.loopStop.abort();
    await this.loop;
    for (const piece of this.masker.end()) {
      this.log.append(piece);
    }
    this.log.closeGap();
    // GitLab Runner's final update starts again from the default interval.
    this.intervalMs = this.options.updateIntervalMs ?? defaultTraceUpdateIntervalMs;
    const summary = await this.drain(timeoutMs);
    this.wakeDrainWaiters(true);
    return summary;
  }

  private async runLoop(): Promise<void> {
    while (this.isRunning()) {
      await this.clock.sleep(this.intervalMs, this.loopStop.signal);
      // finish() or a stop may have happened during the sleep.
      if (!this.isRunning()) {
        break;
      }
      try {
        await this.flush();
        await this.keepAliveIfQuiet();
      } catch (error) {
        // Name and code only: a message or cause may quote a URL with credentials, or the token.
        this.logger.error(
          { err: error instanceof Error ? error.name : typeof error, code: errnoOf(error) },
          'trace update round failed',
        );
      }
    }
  }

  private async sendPending(): Promise<void> {
    while (this.unsent.pendingBytes > 0 && this.stopReason === undefined && !this.patchingStopped) {
      const offset = this.unsent.ackedBytes;
      const chunk = this.unsent.peek(maxPatchBytes);
      const result = await this.options.client.patchTrace(
        this.options.jobId,
        this.options.jobToken,
        offset,
        chunk,
        {
          debugTrace: this.options.debugTrace === true,
        },
      );
      this.applyHeaders(result);
      if (result.kind === 'ok') {
        this.unsent.acknowledgeUpTo(offset + chunk.length);
        this.lastContactMs = this.clock.now();
        this.wakeDrainWaiters(false);
        continue;
      }
      if (result.kind === 'range-mismatch') {
        this.resync(result.storedLength);
      } else if (result.kind === 'aborted') {
        this.stop({ reason: result.reason, status: result.status, jobStatus: result.jobStatus });
      } else if (result.kind === 'not-found') {
        // GitLab Runner stops sending the rest of the log on 404, without aborting the job.
        this.logger.warn({}, 'gitlab no longer takes this job log');
        this.stopPatching();
      } else {
        this.logger.warn(
          { code: result.error.code, status: result.status },
          'job log patch failed, will retry',
        );
      }
      return;
    }
  }

  private resync(storedLength: number): void {
    if (resyncToStored(this.unsent, storedLength, this.logger)) {
      this.wakeDrainWaiters(false);
      return;
    }
    this.stopPatching();
  }

  /** Sends no more of the log (it still counts in checksum and size). */
  private stopPatching(): void {
    this.patchingStopped = true;
    this.unsent.discardPending();
    this.wakeDrainWaiters(true);
  }

  /**
   * Asks GitLab about the job now with a keep-alive (`PUT state=running`), so a job that waited
   * (in a queue, for a slot) learns of a cancel before it starts; the answer acts as any other.
   */
  async checkIn(): Promise<void> {
    if (this.stopReason !== undefined || this.closed) {
      return;
    }
    await this.sendChain;
    await this.keepAlive();
  }

  private async keepAliveIfQuiet(): Promise<void> {
    const forceMs = this.options.forceSendIntervalMs ?? defaultForceSendIntervalMs;
    // As GitLab Runner: a keep-alive only follows a round that left nothing unsent.
    const quietMs = this.clock.now() - this.lastContactMs;
    if (this.stopReason !== undefined || this.unsent.pendingBytes > 0 || quietMs < forceMs) {
      return;
    }
    await this.keepAlive();
  }

  private async keepAlive(): Promise<void> {
    const result = await this.options.client.keepAlive(this.options.jobId, this.options.jobToken, {
      checksum: this.log.checksum,
      bytesize: this.log.bytesize,
    });
    this.applyHeaders(result);
    if (result.kind === 'aborted') {
      this.stop({
        reason: result.reason,
        status: result.status,
        jobStatus: result.jobStatus,
      });
    } else if (result.kind === 'accepted') {
      this.lastContactMs = this.clock.now();
    }
  }

  private applyHeaders(headers: JobStatusHeaders): void {
    if (headers.updateIntervalMs !== undefined) {
      this.intervalMs = headers.updateIntervalMs;
    }
    if (headers.cancelRequested && !this.cancelController.signal.aborted) {
      this.logger.info({}, 'gitlab requested a graceful cancel');
      this.cancelController.abort(new Error('gitlab requested a graceful cancel'));
    }
  }

  private stop(reason: TraceStopReason): void {
    if (this.stopReason !== undefined) {
      return;
    }
    this.stopReason = reason;
    // Debug only: the job's owner logs the one event about an abandoned job (B17).
    this.logger.debug({ ...reason }, 'gitlab stopped the job, abandoning it');
    this.unsent.discardPending();
    this.loopStop.abort();
    this.abortController.abort(reason);
    this.wakeDrainWaiters(true);
  }

  private isRunning(): boolean {
    return !this.closed && this.stopReason === undefined;
  }

  private isDrained(): boolean {
    return (
      this.unsent.pendingBytes < this.highWater ||
      this.stopReason !== undefined ||
      this.patchingStopped
    );
  }

  private wakeDrainWaiters(force: boolean): void {
    if (force || this.isDrained()) {
      for (const wake of this.drainWaiters.splice(0)) {
        wake();
      }
    }
  }
}
