import { randomUUID } from 'node:crypto';

import type { Logger } from 'pino';

import type { Clock } from './clock';
import { GitlabApiError, classifyGitlabError } from './errors';
import { isRetryableStatus, retryDelayMs } from './retry';
import type { RetryPolicy } from './retry';

/** The subset of `fetch` the client uses, so tests can inject their own. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** One runner API call, relative to `<url>/api/v4/`. */
export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  /** Another `<url>/api/v4/` to send this call to (an upload GitLab redirected elsewhere). */
  readonly apiBaseUrl?: string;
  /** `manual` returns a 3xx answer as it is instead of following it. */
  readonly redirect?: 'follow' | 'manual';
  readonly query?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly json?: unknown;
  readonly body?: Uint8Array;
  /** A multipart body; fetch sets its Content-Type with the boundary. */
  readonly form?: FormData;
  readonly contentType?: string;
  readonly acceptJson?: boolean;
  readonly signal?: AbortSignal;
  /** Non-secret fields added to this call's log lines, e.g. the job id. */
  readonly logFields?: Readonly<Record<string, unknown>>;
}

/** The final answer to a call after retries, with its body read in full. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
  readonly attempts: number;
  readonly requestId: string;
}

/** The final answer to a call after retries, with its body left unread for the caller to stream. */
export interface HttpStreamResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: ReadableStream<Uint8Array> | null;
  readonly attempts: number;
  readonly requestId: string;
}

/** What the transport needs: where GitLab is and how to wait, fetch and log. */
export interface HttpTransportOptions {
  readonly apiBaseUrl: string;
  readonly userAgent: string;
  readonly fetch: FetchLike;
  readonly clock: Clock;
  readonly retryPolicy: RetryPolicy;
  readonly logger: Logger;
  readonly random: () => number;
  /** Longest wait for response headers, as GitLab Runner's 10 min `ResponseHeaderTimeout`. */
  readonly requestTimeoutMs: number;
}

/** Sends runner API calls with GitLab Runner's headers and its automatic retry of 429/5xx. */
export class HttpTransport {
  constructor(private readonly options: HttpTransportOptions) {}

  /** Sends `request`, retrying retryable statuses; network failures throw without retry. */
  async send(request: HttpRequest): Promise<HttpResponse> {
    const answer = await this.sendUnread(request);
    const body = Buffer.from(await answer.response.arrayBuffer().catch(() => new ArrayBuffer(0)));
    return {
      status: answer.response.status,
      headers: answer.response.headers,
      body,
      attempts: answer.attempts,
      requestId: answer.requestId,
    };
  }

  /** As `send`, but the final answer's body is left for the caller to read as a stream. */
  async sendStreaming(request: HttpRequest): Promise<HttpStreamResponse> {
    const answer = await this.sendUnread(request);
    return {
      status: answer.response.status,
      headers: answer.response.headers,
      body: answer.response.body,
      attempts: answer.attempts,
      requestId: answer.requestId,
    };
  }

  private async sendUnread(
    request: HttpRequest,
  ): Promise<{ response: Response; attempts: number; requestId: string }> {
    const { retryPolicy, clock, logger } = this.options;
    const url = this.urlFor(request);
    const fields = { method: request.method, path: request.path, ...request.logFields };
    for (let attempt = 1; ; attempt++) {
      const requestId = randomUUID().replace(/-/g, '');
      const response = await this.fetchOnce(url, request, requestId);
      const answeredId = response.headers.get('x-request-id') ?? requestId;
      logger.debug(
        { ...fields, status: response.status, attempt, requestId: answeredId },
        'gitlab api call answered',
      );
      if (!isRetryableStatus(response.status) || attempt >= retryPolicy.maxAttempts) {
        return { response, attempts: attempt, requestId: answeredId };
      }
      // A retried answer's body is read and dropped so its connection can be reused.
      await response.arrayBuffer().catch(() => undefined);
      const waitMs = retryDelayMs({
        header: name => response.headers.get(name),
        retry: attempt,
        nowMs: clock.now(),
        policy: retryPolicy,
        random: this.options.random,
      });
      logger.debug(
        { ...fields, status: response.status, attempt, waitMs },
        'gitlab api call will be retried',
      );
      await clock.sleep(waitMs, request.signal);
      if (request.signal?.aborted === true) {
        throw new GitlabApiError('aborted', 'could not finish the call: it was aborted', {
          cause: request.signal.reason,
        });
      }
    }
  }

  private urlFor(request: HttpRequest): string {
    const url = new URL(request.path, request.apiBaseUrl ?? this.options.apiBaseUrl);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      url.searchParams.set(key, value);
    }
    return url.toString();
  }

  private async fetchOnce(url: string, request: HttpRequest, requestId: string): Promise<Response> {
    const headers: Record<string, string> = {
      'User-Agent': this.options.userAgent,
      'X-Request-Id': requestId,
      ...request.headers,
    };
    let body: Uint8Array | string | FormData | undefined;
    if (request.form !== undefined) {
      body = request.form;
    } else if (request.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(request.json);
    } else if (request.body !== undefined) {
      headers['Content-Type'] = request.contentType ?? 'application/octet-stream';
      body = request.body;
    }
    if (request.acceptJson === true) {
      headers.Accept = 'application/json';
    }
    const timeout = AbortSignal.timeout(this.options.requestTimeoutMs);
    const signal =
      request.signal === undefined ? timeout : AbortSignal.any([request.signal, timeout]);
    try {
      return await this.options.fetch(url, {
        method: request.method,
        headers,
        body,
        signal,
        ...(request.redirect === undefined ? {} : { redirect: request.redirect }),
      });
    } catch (err) {
      if (request.signal?.aborted === true) {
        throw new GitlabApiError('aborted', 'could not finish the call: it was aborted', {
          cause: err,
        });
      }
      if (timeout.aborted) {
        throw new GitlabApiError('timeout', 'could not get an answer from GitLab in time', {
          cause: err,
        });
      }
      throw classifyGitlabError(err);
    }
  }
}
