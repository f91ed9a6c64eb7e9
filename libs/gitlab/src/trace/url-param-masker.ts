import { maskText } from './masker';

/** URL query parameters whose values GitLab Runner masks in job logs (case-insensitive keys). */
export const sensitiveUrlParams: readonly string[] = Object.freeze([
  'private_token',
  'authenticity_token',
  'rss_token',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
]);

const MASK = Buffer.from(maskText);
const QUESTION = 0x3f;
const AMPERSAND = 0x26;
const EQUALS = 0x3d;

/** A parameter value ends at `?`, `&`, whitespace or a control character. */
function isValueEnd(byte: number): boolean {
  return byte === QUESTION || byte === AMPERSAND || byte <= 0x20 || byte === 0x7f;
}

function isSeparator(byte: number): boolean {
  return byte === QUESTION || byte === AMPERSAND;
}

/**
 * A streaming masker for sensitive URL parameters: `?private_token=abc&x` becomes
 * `?private_token=[MASKED]&x`, also when the key or value is split across writes.
 * It holds back at most one separator plus the longest key.
 */
export class UrlParamMasker {
  private readonly keys: ReadonlySet<string>;
  private readonly maxKeyBytes: number;
  private held: Buffer = Buffer.alloc(0);
  private masking = false;

  constructor(keys: readonly string[] = sensitiveUrlParams) {
    this.keys = new Set(keys.map(k => k.toLowerCase()));
    this.maxKeyBytes = Math.max(0, ...keys.map(k => Buffer.byteLength(k)));
  }

  /** Bytes held back because they may be the start of a sensitive parameter. */
  get heldBytes(): number {
    return this.held.length;
  }

  /** Masks `chunk` and returns the pieces that are safe to emit now. */
  write(chunk: Buffer): Buffer[] {
    const data = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
    this.held = Buffer.alloc(0);
    const out: Buffer[] = [];
    let at = 0;
    if (this.masking) {
      at = this.skipValue(data, 0, out);
    }
    while (at < data.length) {
      const sep = indexOfSeparator(data, at);
      if (sep < 0) {
        out.push(data.subarray(at));
        break;
      }
      const decision = this.readKey(data, sep);
      if (decision.kind === 'undecided') {
        pushSlice(out, data, at, sep);
        this.held = Buffer.from(data.subarray(sep));
        break;
      }
      if (decision.kind === 'sensitive') {
        pushSlice(out, data, at, decision.valueStart);
        this.masking = true;
        at = this.skipValue(data, decision.valueStart, out);
        continue;
      }
      pushSlice(out, data, at, decision.resumeAt);
      at = decision.resumeAt;
    }
    return out;
  }

  /** Ends the stream: returns what was held back, and closes a value being masked. */
  end(): Buffer[] {
    const out: Buffer[] = [];
    if (this.masking) {
      out.push(MASK);
      this.masking = false;
    }
    if (this.held.length > 0) {
      out.push(this.held);
      this.held = Buffer.alloc(0);
    }
    return out;
  }

  /** Looks at the key after the separator at `sep`. */
  private readKey(
    data: Buffer,
    sep: number,
  ):
    | { kind: 'undecided' }
    | { kind: 'sensitive'; valueStart: number }
    | { kind: 'ordinary'; resumeAt: number } {
    const limit = Math.min(data.length, sep + 1 + this.maxKeyBytes + 1);
    for (let p = sep + 1; p < limit; p++) {
      const byte = data[p] ?? 0;
      if (isSeparator(byte)) {
        return { kind: 'ordinary', resumeAt: p };
      }
      if (byte === EQUALS) {
        const key = data.toString('latin1', sep + 1, p).toLowerCase();
        return this.keys.has(key)
          ? { kind: 'sensitive', valueStart: p + 1 }
          : { kind: 'ordinary', resumeAt: p + 1 };
      }
    }
    return limit === data.length && limit < sep + 1 + this.maxKeyBytes + 1
      ? { kind: 'undecided' }
      : { kind: 'ordinary', resumeAt: sep + 1 };
  }

  /** Drops the value from `from`; returns where scanning resumes (data.length while still masking). */
  private skipValue(data: Buffer, from: number, out: Buffer[]): number {
    let p = from;
    while (p < data.length && !isValueEnd(data[p] ?? 0)) {
      p++;
    }
    if (p < data.length) {
      out.push(MASK);
      this.masking = false;
    }
    return p;
  }
}

function indexOfSeparator(data: Buffer, from: number): number {
  const q = data.indexOf(QUESTION, from);
  const a = data.indexOf(AMPERSAND, from);
  if (q < 0) {
    return a;
  }
  return a < 0 ? q : Math.min(q, a);
}

function pushSlice(out: Buffer[], data: Buffer, from: number, to: number): void {
  if (to > from) {
    out.push(data.subarray(from, to));
  }
}
