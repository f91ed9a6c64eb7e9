import { crc32 } from 'node:zlib';

/**
 * A running IEEE CRC-32 and byte count over a byte stream, as GitLab checks the trace with.
 * Uses `zlib.crc32` (Node ≥ 20.15), which takes the previous value to continue a stream.
 */
export class TraceChecksum {
  private value = 0;
  private length = 0;

  /** Adds `bytes` to the stream. */
  update(bytes: Uint8Array): void {
    if (bytes.length > 0) {
      this.value = crc32(bytes, this.value);
      this.length += bytes.length;
    }
  }

  /** Total bytes added so far. */
  get bytesize(): number {
    return this.length;
  }

  /** The checksum in the final update's format, `crc32:<8 lower-case hex digits>`. */
  get checksum(): string {
    return formatCrc32(this.value);
  }
}

/** Formats a CRC-32 value as GitLab expects it: `crc32:%08x`. */
export function formatCrc32(value: number): string {
  return `crc32:${(value >>> 0).toString(16).padStart(8, '0')}`;
}
