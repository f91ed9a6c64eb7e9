/** What a masked value or token is replaced with, as GitLab Runner writes it. */
export const maskText = '[MASKED]';

/**
 * Token prefixes GitLab Runner masks by default (`glpat-` always; the rest with
 * `FF_MASK_ALL_DEFAULT_TOKENS`, which is on by default).
 */
export const defaultTokenPrefixes: readonly string[] = Object.freeze([
  'glpat-',
  'gloas-',
  'gldt-',
  'glrt-',
  'glcbt-',
  'glptt-',
  'glft-',
  'glimt-',
  'glagent-',
  'glsoat-',
  'glffct-',
  '_gitlab_session=',
  'gltok-',
]);

const MASK = Buffer.from(maskText);

/** The characters a token may hold after its prefix: `[0-9A-Za-z._=-]`. */
const TOKEN_ALPHABET = new Uint8Array(256);
for (const ch of '-._=0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') {
  TOKEN_ALPHABET[ch.charCodeAt(0)] = 1;
}

interface Pattern {
  readonly bytes: Buffer;
  readonly kind: 'phrase' | 'prefix';
}

/** What follows a matched token prefix: nothing yet, or token characters being hidden. */
type TokenState = 'none' | 'after-prefix' | 'masking';

/**
 * A streaming masker for a job log: replaces masked values with `[MASKED]` and the token after
 * a known prefix with `<prefix>[MASKED]`, also when a value is split across writes. It holds back
 * at most (longest pattern − 1) bytes that could still grow into a match, and never emits a
 * partial secret while more input may complete it.
 */
export class StreamMasker {
  private readonly patterns: readonly Pattern[];
  private readonly firstBytes = new Uint8Array(256);
  private readonly maxPatternBytes: number;
  private held: Buffer = Buffer.alloc(0);
  private tokenState: TokenState = 'none';

  constructor(options: { phrases?: readonly string[]; tokenPrefixes?: readonly string[] }) {
    const phrases = unique((options.phrases ?? []).filter(p => p.length > 0));
    const prefixes = unique(
      (options.tokenPrefixes ?? []).map(p => p.trim()).filter(p => p.length > 0),
    );
    this.patterns = [
      ...phrases.map(p => ({ bytes: Buffer.from(p), kind: 'phrase' as const })),
      ...prefixes.map(p => ({ bytes: Buffer.from(p), kind: 'prefix' as const })),
    ];
    for (const pattern of this.patterns) {
      this.firstBytes[pattern.bytes[0] ?? 0] = 1;
    }
    this.maxPatternBytes = Math.max(0, ...this.patterns.map(p => p.bytes.length));
  }

  /** The longest value or prefix searched for; the held tail is always shorter. */
  get longestPatternBytes(): number {
    return this.maxPatternBytes;
  }

  /** Bytes held back because they may be the start of a secret. */
  get heldBytes(): number {
    return this.held.length;
  }

  /** Masks `chunk` and returns the pieces that are safe to emit now. */
  write(chunk: Uint8Array): Buffer[] {
    if (this.patterns.length === 0) {
      return chunk.length === 0 ? [] : [Buffer.from(chunk)];
    }
    const data = this.held.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.held, chunk]);
    this.held = Buffer.alloc(0);
    const out: Buffer[] = [];
    let at = this.continueToken(data, 0, out);
    if (at === data.length) {
      return out;
    }
    const next = this.patterns.map(() => -2);
    for (;;) {
      const match = this.earliestMatch(data, at, next);
      if (match === undefined) {
        break;
      }
      pushSlice(out, data, at, match.index);
      if (match.pattern.kind === 'phrase') {
        out.push(MASK);
        at = match.index + match.pattern.bytes.length;
        continue;
      }
      out.push(match.pattern.bytes);
      this.tokenState = 'after-prefix';
      at = this.continueToken(data, match.index + match.pattern.bytes.length, out);
      if (at === data.length) {
        return out;
      }
    }
    const holdFrom = this.partialMatchStart(data, at);
    pushSlice(out, data, at, holdFrom);
    // Copy so the held tail does not pin the caller's (possibly large) chunk in memory.
    this.held = Buffer.from(data.subarray(holdFrom));
    return out;
  }

  /** Ends the stream: returns what was held back, and closes a token being masked. */
  end(): Buffer[] {
    const out: Buffer[] = [];
    if (this.tokenState === 'masking') {
      out.push(MASK);
    }
    this.tokenState = 'none';
    if (this.held.length > 0) {
      out.push(this.held);
      this.held = Buffer.alloc(0);
    }
    return out;
  }

  /** Skips token characters after a prefix; returns where ordinary scanning resumes. */
  private continueToken(data: Buffer, from: number, out: Buffer[]): number {
    if (this.tokenState === 'none') {
      return from;
    }
    let at = from;
    while (at < data.length && TOKEN_ALPHABET[data[at] ?? 0] === 1) {
      at++;
    }
    if (at > from) {
      this.tokenState = 'masking';
    }
    if (at === data.length) {
      return at;
    }
    if (this.tokenState === 'masking') {
      out.push(MASK);
    }
    this.tokenState = 'none';
    return at;
  }

  /** The earliest full match at or after `from`; at equal positions the longer pattern wins. */
  private earliestMatch(
    data: Buffer,
    from: number,
    next: number[],
  ): { index: number; pattern: Pattern } | undefined {
    let best: { index: number; pattern: Pattern } | undefined;
    this.patterns.forEach((pattern, i) => {
      let index = next[i] ?? -2;
      if (index !== -1 && index < from) {
        index = data.indexOf(pattern.bytes, from);
        next[i] = index;
      }
      if (index < 0) {
        return;
      }
      if (
        best === undefined ||
        index < best.index ||
        (index === best.index && pattern.bytes.length > best.pattern.bytes.length)
      ) {
        best = { index, pattern };
      }
    });
    return best;
  }

  /** Where the shortest suffix that could still become a match begins (data.length if none). */
  private partialMatchStart(data: Buffer, from: number): number {
    const start = Math.max(from, data.length - (this.maxPatternBytes - 1));
    for (let p = start; p < data.length; p++) {
      if (this.firstBytes[data[p] ?? 0] !== 1) {
        continue;
      }
      const tail = data.subarray(p);
      if (
        this.patterns.some(
          pt => pt.bytes.length > tail.length && pt.bytes.subarray(0, tail.length).equals(tail),
        )
      ) {
        return p;
      }
    }
    return data.length;
  }
}

function pushSlice(out: Buffer[], data: Buffer, from: number, to: number): void {
  if (to > from) {
    out.push(data.subarray(from, to));
  }
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
