/** What happened to a request besides its handler: an injected fault or a rate limit. */
export type RequestFault = 'status' | 'drop' | 'rate_limit' | 'redirect';

/** Which of the emulator's runner-facing listeners took a request. */
export type RequestListener = 'api' | 'redirect';

/** One request the runner-facing server received, kept raw (tokens included) for tests. */
export interface RequestLogEntry {
  readonly seq: number;
  /** `api` (`url`) or `redirect` (`redirectUrl`, where redirect faults point). */
  readonly listener: RequestListener;
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  /** Request headers as received (lower-case names, tokens not redacted). */
  readonly headers: Record<string, string | string[]>;
  readonly receivedAtMs: number;
  bodyBytes: number;
  /** The JSON body, for JSON requests. */
  json: unknown;
  /** The `Content-Range` header of trace PATCHes. */
  readonly contentRange: string | undefined;
  status: number | undefined;
  responseHeaders: Record<string, string>;
  finishedAtMs: number | undefined;
  durationMs: number | undefined;
  fault: RequestFault | undefined;
  jobId: number | undefined;
  runnerId: number | undefined;
}

/** Which entries a read asks for; every given field must match. */
export interface RequestLogFilter {
  readonly jobId?: number;
  readonly runnerId?: number;
  readonly method?: string;
  readonly pathPrefix?: string;
}

const maxEntries = 100_000;

/** The request log of the runner-facing server, newest last. */
export class RequestLog {
  private seq = 0;
  private readonly entries: RequestLogEntry[] = [];

  /** Starts an entry for a request that just arrived. */
  open(input: {
    listener: RequestListener;
    method: string;
    path: string;
    query: Record<string, string>;
    headers: Record<string, string | string[]>;
    receivedAtMs: number;
  }): RequestLogEntry {
    const range = input.headers['content-range'];
    const entry: RequestLogEntry = {
      seq: ++this.seq,
      ...input,
      bodyBytes: 0,
      json: undefined,
      contentRange: typeof range === 'string' ? range : undefined,
      status: undefined,
      responseHeaders: {},
      finishedAtMs: undefined,
      durationMs: undefined,
      fault: undefined,
      jobId: undefined,
      runnerId: undefined,
    };
    this.entries.push(entry);
    // Bounded so a long fault test cannot grow memory without end; old entries go first.
    if (this.entries.length > maxEntries) {
      this.entries.splice(0, this.entries.length - maxEntries);
    }
    return entry;
  }

  list(filter: RequestLogFilter = {}): RequestLogEntry[] {
    return this.entries.filter(
      e =>
        (filter.jobId === undefined || e.jobId === filter.jobId) &&
        (filter.runnerId === undefined || e.runnerId === filter.runnerId) &&
        (filter.method === undefined || e.method === filter.method.toUpperCase()) &&
        (filter.pathPrefix === undefined || e.path.startsWith(filter.pathPrefix)),
    );
  }
}
