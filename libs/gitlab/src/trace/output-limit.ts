/** GitLab Runner's default `output_limit`: 4096 KiB. */
export const defaultOutputLimitBytes = 4096 * 1024;

/** The one line written when the log reaches `output_limit` (GitLab Runner's wording, on one line). */
export function outputLimitMarker(limitBytes: number): Buffer {
  return Buffer.from(
    `\n\u001b[33;1mJob's log exceeded limit of ${limitBytes} bytes. ` +
      `Job execution will continue but no more output will be collected.\u001b[0;m\n`,
  );
}

/**
 * Caps a job log at `limitBytes`: bytes up to the limit pass (cut on a UTF-8 boundary), then the
 * marker line once, then everything is dropped and only counted; the job itself goes on.
 */
export class OutputLimiter {
  private acceptedBytes = 0;
  private dropped = 0;
  private reached = false;

  constructor(readonly limitBytes: number) {}

  /** Whether the limit was reached and the marker written. */
  get limitReached(): boolean {
    return this.reached;
  }

  /** Bytes dropped after the limit. */
  get droppedBytes(): number {
    return this.dropped;
  }

  /** Splits `piece` into the part to keep and, when the limit is crossed now, the marker to add. */
  accept(piece: Buffer): {
    readonly keep: Buffer | undefined;
    readonly marker: Buffer | undefined;
  } {
    if (this.reached) {
      this.dropped += piece.length;
      return { keep: undefined, marker: undefined };
    }
    const room = this.limitBytes - this.acceptedBytes;
    if (piece.length <= room) {
      this.acceptedBytes += piece.length;
      return { keep: piece.length === 0 ? undefined : piece, marker: undefined };
    }
    let cut = room;
    // Never split a UTF-8 sequence: back up to the lead byte of the character at the cut.
    while (cut > 0 && ((piece[cut] ?? 0) & 0xc0) === 0x80) {
      cut--;
    }
    this.acceptedBytes += cut;
    this.dropped += piece.length - cut;
    this.reached = true;
    return {
      keep: cut > 0 ? piece.subarray(0, cut) : undefined,
      marker: outputLimitMarker(this.limitBytes),
    };
  }
}
