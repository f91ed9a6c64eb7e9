/**
 * The bytes of a job log that GitLab has not yet acknowledged, as a queue of chunks, with the
 * absolute offset of its first byte. Memory use is the unacknowledged bytes only.
 */
export class UnsentLog {
  private chunks: Buffer[] = [];
  // Index of the first live chunk: dropping from the front must not be O(chunks) per drop.
  private head = 0;
  private length = 0;
  private startOffset = 0;

  /** The absolute offset of the first unacknowledged byte (= bytes GitLab has stored). */
  get ackedBytes(): number {
    return this.startOffset;
  }

  /** Bytes waiting to be acknowledged. */
  get pendingBytes(): number {
    return this.length;
  }

  /** The absolute offset after the last byte appended. */
  get endOffset(): number {
    return this.startOffset + this.length;
  }

  /** Adds bytes at the end. */
  append(bytes: Buffer): void {
    if (bytes.length > 0) {
      this.chunks.push(bytes);
      this.length += bytes.length;
    }
  }

  /** Up to `maxBytes` of the oldest unacknowledged bytes, copied into one buffer. */
  peek(maxBytes: number): Buffer {
    const parts: Buffer[] = [];
    let need = Math.min(maxBytes, this.length);
    for (let i = this.head; i < this.chunks.length && need > 0; i++) {
      const chunk = this.chunks[i] ?? Buffer.alloc(0);
      const part = chunk.length <= need ? chunk : chunk.subarray(0, need);
      parts.push(part);
      need -= part.length;
    }
    return parts.length === 1 ? Buffer.from(parts[0] ?? Buffer.alloc(0)) : Buffer.concat(parts);
  }

  /** Marks everything before absolute `offset` as stored by GitLab; false if `offset` is out of range. */
  acknowledgeUpTo(offset: number): boolean {
    if (offset < this.startOffset || offset > this.endOffset) {
      return false;
    }
    let drop = offset - this.startOffset;
    while (drop > 0) {
      const first = this.chunks[this.head];
      if (first === undefined) {
        break;
      }
      if (first.length <= drop) {
        this.head++;
        drop -= first.length;
        this.length -= first.length;
      } else {
        // Copy the remainder so the acknowledged part of a large chunk can be freed.
        this.chunks[this.head] = Buffer.from(first.subarray(drop));
        this.length -= drop;
        drop = 0;
      }
    }
    if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
    this.startOffset = offset;
    return true;
  }

  /** Forgets every pending byte once the log is no longer sent; `ackedBytes` stays true. */
  discardPending(): void {
    this.chunks = [];
    this.head = 0;
    this.length = 0;
  }
}
