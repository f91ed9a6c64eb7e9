/**
 * The bytes of a job log that GitLab has not yet acknowledged, as a queue of chunks, with the
 * absolute offset of its first byte. With a positive `retainAckedBytes` it also keeps up to that
 * many acknowledged bytes before them (the log head, normally from byte 0), so a GitLab that lost
 * stored bytes (416 with a lower `Range`, 412 on the final update) can be sent them again.
 */
export class UnsentLog {
  private chunks: Buffer[] = [];
  // Index of the first live chunk: dropping from the front must not be O(chunks) per drop.
  private head = 0;
  // Where the first unacknowledged byte is: chunk index and bytes into that chunk.
  private cursorIndex = 0;
  private cursorSkip = 0;
  private retainedLength = 0;
  private length = 0;
  private startOffset = 0;

  constructor(private readonly retainAckedBytes = 0) {}

  /** The absolute offset of the first unacknowledged byte (= bytes GitLab has stored). */
  get ackedBytes(): number {
    return this.startOffset;
  }

  /** Bytes waiting to be acknowledged. */
  get pendingBytes(): number {
    return this.length;
  }

  /** Acknowledged bytes still held for a resend. */
  get retainedBytes(): number {
    return this.retainedLength;
  }

  /** The absolute offset of the first byte still held (0 while the whole log is held). */
  get heldFromOffset(): number {
    return this.startOffset - this.retainedLength;
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
    return this.collect(this.cursorIndex, this.cursorSkip, Math.min(maxBytes, this.length));
  }

  /** Every byte held (retained head and pending), copied, from `heldFromOffset` on. */
  held(): Buffer {
    return this.collect(this.head, 0, this.retainedLength + this.length);
  }

  /** Marks everything before absolute `offset` as stored by GitLab; false if `offset` is out of range. */
  acknowledgeUpTo(offset: number): boolean {
    if (offset < this.startOffset || offset > this.endOffset) {
      return false;
    }
    let move = offset - this.startOffset;
    this.retainedLength += move;
    this.length -= move;
    this.startOffset = offset;
    while (move > 0) {
      const rest = (this.chunks[this.cursorIndex]?.length ?? 0) - this.cursorSkip;
      if (move >= rest) {
        move -= rest;
        this.cursorIndex++;
        this.cursorSkip = 0;
      } else {
        this.cursorSkip += move;
        move = 0;
      }
    }
    this.trimRetained();
    return true;
  }

  /**
   * Makes the bytes from absolute `offset` on unacknowledged again (GitLab lost them); false
   * when `offset` is before the held head or after the acknowledged bytes.
   */
  rewindTo(offset: number): boolean {
    if (offset < this.heldFromOffset || offset > this.startOffset) {
      return false;
    }
    let back = this.startOffset - offset;
    this.retainedLength -= back;
    this.length += back;
    this.startOffset = offset;
    while (back > 0) {
      if (this.cursorSkip === 0) {
        this.cursorIndex--;
        this.cursorSkip = this.chunks[this.cursorIndex]?.length ?? 0;
      }
      const step = Math.min(back, this.cursorSkip);
      this.cursorSkip -= step;
      back -= step;
    }
    return true;
  }

  /** Forgets every held byte once the log is no longer sent; `ackedBytes` stays true. */
  discardPending(): void {
    this.chunks = [];
    this.head = 0;
    this.cursorIndex = 0;
    this.cursorSkip = 0;
    this.length = 0;
    this.retainedLength = 0;
  }

  /** Drops acknowledged bytes beyond the retention cap, oldest first. */
  private trimRetained(): void {
    let drop = this.retainedLength - this.retainAckedBytes;
    while (drop > 0) {
      const first = this.chunks[this.head];
      if (first === undefined) {
        break;
      }
      if (this.head < this.cursorIndex && first.length <= drop) {
        this.head++;
        drop -= first.length;
        this.retainedLength -= first.length;
        continue;
      }
      // Copy the remainder so the dropped part of a large chunk can be freed.
      this.chunks[this.head] = Buffer.from(first.subarray(drop));
      if (this.head === this.cursorIndex) {
        this.cursorSkip -= drop;
      }
      this.retainedLength -= drop;
      drop = 0;
    }
    if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.cursorIndex -= this.head;
      this.head = 0;
    }
  }

  /** `count` bytes from chunk `index`, `skip` bytes in, copied into one buffer. */
  private collect(index: number, skip: number, count: number): Buffer {
    const parts: Buffer[] = [];
    let need = count;
    let from = skip;
    for (let i = index; i < this.chunks.length && need > 0; i++) {
      const chunk = this.chunks[i] ?? Buffer.alloc(0);
      const part =
        from === 0 && chunk.length <= need
          ? chunk
          : chunk.subarray(from, Math.min(chunk.length, from + need));
      from = 0;
      parts.push(part);
      need -= part.length;
    }
    return parts.length === 1 ? Buffer.from(parts[0] ?? Buffer.alloc(0)) : Buffer.concat(parts);
  }
}
