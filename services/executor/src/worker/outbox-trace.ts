import { TraceChecksum, maxPatchBytes } from '@taskfleet/gitlab';
import type { GitlabClient } from '@taskfleet/gitlab';
import type { Logger } from 'pino';

/** Why the outbox stopped sending the log: GitLab ended the job, or no longer takes its log. */
export type OutboxTraceStop = 'job-gone' | 'log-refused' | 'bytes-missing';

/**
 * A finished job's log from the outbox (normally whole, from byte 0), sent in PATCHes of at most
 * 1 MiB from `sentBytes` on; a 416 resyncs within the held bytes, a 412 re-sends from byte 0
 * (reference §4.3, as GitLab Runner does). With a null `fromOffset` the bytes are appended at
 * GitLab's stored length, learned from the first answer.
 */
export class OutboxTrace {
  private base: number | undefined;
  private sentOffset: number;
  private stopReason: OutboxTraceStop | undefined;

  constructor(
    private readonly client: Pick<GitlabClient, 'patchTrace'>,
    private readonly jobId: number,
    private readonly jobToken: string,
    fromOffset: number | null,
    private readonly log: Buffer,
    private readonly logger: Logger,
    sentBytes?: number,
    private readonly debugTrace = false,
  ) {
    this.base = fromOffset ?? undefined;
    const start = fromOffset ?? 0;
    // A resume offset outside the held bytes (a damaged record) starts at their beginning.
    this.sentOffset =
      sentBytes !== undefined && sentBytes >= start && sentBytes <= start + log.length
        ? sentBytes
        : start;
  }

  /** Why sending stopped, if it did. */
  get stopped(): OutboxTraceStop | undefined {
    return this.stopReason;
  }

  /** Size of the whole log once the offset of the held bytes is known. */
  get bytesize(): number | undefined {
    return this.base === undefined ? undefined : this.base + this.log.length;
  }

  /** The checksum of a log held from byte 0 and appended at an unknown offset (a takeover's). */
  checksumIfWhole(): string | undefined {
    if (this.base !== 0) {
      return undefined;
    }
    const sum = new TraceChecksum();
    sum.update(this.log);
    return sum.checksum;
  }

  /** Sends what GitLab lacks until done, stopped, or one patch fails (retried on the next call). */
  async drain(): Promise<void> {
    for (;;) {
      const base = this.base ?? 0;
      const end = base + this.log.length;
      if (this.sentOffset >= end || this.stopReason !== undefined || this.log.length === 0) {
        return;
      }
      const start = this.sentOffset - base;
      const chunk = this.log.subarray(start, Math.min(this.log.length, start + maxPatchBytes));
      const result = await this.client.patchTrace(
        this.jobId,
        this.jobToken,
        this.sentOffset,
        chunk,
        { debugTrace: this.debugTrace },
      );
      switch (result.kind) {
        case 'ok':
          this.base ??= this.sentOffset;
          this.sentOffset += chunk.length;
          break;
        case 'range-mismatch':
          if (!this.resync(result.storedLength)) {
            return;
          }
          break;
        case 'aborted':
          this.stopReason = 'job-gone';
          return;
        case 'not-found':
          this.stopReason = 'log-refused';
          return;
        case 'failed':
          this.logger.warn(
            { code: result.error.code, status: result.status },
            'job log patch failed, will retry',
          );
          return;
      }
    }
  }

  /** Starts again from byte 0 (GitLab lost the log); false when the head is no longer held. */
  rewind(): boolean {
    if (this.base !== 0) {
      return false;
    }
    this.sentOffset = 0;
    this.stopReason = undefined;
    return true;
  }

  private resync(storedLength: number): boolean {
    if (this.base === undefined) {
      // Nothing of ours is stored yet: our bytes go after what an earlier run left.
      this.base = storedLength;
      this.sentOffset = storedLength;
      return true;
    }
    if (storedLength >= this.base && storedLength <= this.base + this.log.length) {
      this.sentOffset = storedLength;
      return true;
    }
    this.logger.error(
      { storedLength, fromOffset: this.base },
      'job log cannot be resynced from the outbox, no longer sending it',
    );
    this.stopReason = 'bytes-missing';
    return false;
  }
}
