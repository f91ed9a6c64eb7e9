import type { Logger } from 'pino';

import { TraceChecksum } from '../checksum';
import { OutputLimiter } from './output-limit';
import { UnsentLog } from './unsent-log';

function gapMarker(droppedBytes: number): Buffer {
  return Buffer.from(
    `\n\u001b[33;1m${droppedBytes} bytes of job output were dropped: ` +
      `GitLab did not accept the log fast enough.\u001b[0;m\n`,
  );
}

/**
 * The produced side of a job log: applies `output_limit`, keeps the checksum and size of every
 * byte produced, and holds unacknowledged bytes up to `maxBufferedBytes`. Policy when full:
 * drop and count, then write one marker line with the count once there is room again. Up to
 * `maxRetainedBytes` acknowledged bytes are kept as well, for GitLab asking for them again.
 */
export class BoundedLog {
  readonly unsent: UnsentLog;
  private readonly sum = new TraceChecksum();
  private readonly limiter: OutputLimiter;
  private gapBytes = 0;
  private gapTotal = 0;

  constructor(
    limitBytes: number,
    private readonly maxBufferedBytes: number,
    private readonly logger: Logger,
    maxRetainedBytes = 0,
  ) {
    this.limiter = new OutputLimiter(limitBytes);
    this.unsent = new UnsentLog(maxRetainedBytes);
  }

  /** `crc32:<8 hex>` over every byte produced. */
  get checksum(): string {
    return this.sum.checksum;
  }

  /** Bytes produced (what GitLab holds once everything is sent). */
  get bytesize(): number {
    return this.sum.bytesize;
  }

  get limitReached(): boolean {
    return this.limiter.limitReached;
  }

  get bytesOverLimit(): number {
    return this.limiter.droppedBytes;
  }

  get bytesDroppedUnsent(): number {
    return this.gapTotal;
  }

  /** Adds masked output, applying the limit and the buffer cap. */
  append(piece: Buffer): void {
    const { keep, marker } = this.limiter.accept(piece);
    if (keep !== undefined) {
      this.appendCapped(keep, false);
    }
    if (marker !== undefined) {
      this.logger.warn(
        { outputLimitBytes: this.limiter.limitBytes },
        'job log reached output_limit',
      );
      this.appendCapped(marker, true);
    }
  }

  /** Writes the pending drop marker, if output was dropped since the last one. */
  closeGap(): void {
    if (this.gapBytes > 0) {
      const marker = gapMarker(this.gapBytes);
      this.gapBytes = 0;
      this.appendRaw(marker);
    }
  }

  private appendCapped(part: Buffer, isMarker: boolean): void {
    // Marker lines always pass, so the cap may be exceeded by one short line.
    if (!isMarker && this.unsent.pendingBytes + part.length > this.maxBufferedBytes) {
      if (this.gapBytes === 0) {
        this.logger.warn(
          { maxBufferedBytes: this.maxBufferedBytes },
          'job log buffer full, dropping output',
        );
      }
      this.gapBytes += part.length;
      this.gapTotal += part.length;
      return;
    }
    this.closeGap();
    this.appendRaw(part);
  }

  private appendRaw(bytes: Buffer): void {
    this.sum.update(bytes);
    this.unsent.append(bytes);
  }
}
