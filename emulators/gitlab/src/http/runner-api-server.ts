import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

import type { Logger } from 'pino';

import type { Clock } from '../clock';
import type { FaultRules } from '../faults/fault-rules';
import type { RequestListener, RequestLog, RequestLogEntry } from '../state/request-log';
import { messageResponse, type ApiResponse } from './api-response';
import { BodyTooLargeError, parseJsonObject, readBody } from './read-body';
import { matchRoute, type Route } from './route';

/** What the runner-facing server needs. */
export interface RunnerApiServerDeps {
  readonly routes: readonly Route[];
  readonly faults: FaultRules;
  readonly requestLog: RequestLog;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly bodyLimitBytes: number;
  /** Which listener this server is, for the request log. */
  readonly listener: RequestListener;
  /** Base URL of the redirect listener, the default target of redirect faults. */
  readonly redirectUrl: () => string;
}

/** Creates the HTTP server GitLab's runner API, artifacts and git are served from. */
export function createRunnerApiServer(deps: RunnerApiServerDeps): Server {
  return createServer((req, res) => {
    handleRequest(deps, req, res).catch((error: unknown) => {
      if (error instanceof BodyTooLargeError && !res.headersSent) {
        writeResponse(res, messageResponse(413, '413 Request Entity Too Large'));
        return;
      }
      deps.logger.error(
        { err: error, method: req.method, path: req.url?.split('?')[0] },
        'request failed',
      );
      if (!res.headersSent) {
        writeResponse(res, messageResponse(500, '500 Internal Server Error'));
      } else {
        res.destroy();
      }
    });
  });
}

async function handleRequest(
  deps: RunnerApiServerDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator.invalid');
  const method = req.method ?? 'GET';
  const log = deps.requestLog.open({
    listener: deps.listener,
    method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { ...req.headers } as Record<string, string | string[]>,
    receivedAtMs: deps.clock.now(),
  });
  // GitLab answers with the caller's correlation id (or its own); the runner logs it.
  const requestId = req.headers['x-request-id'];
  res.setHeader(
    'X-Request-Id',
    typeof requestId === 'string' && requestId !== '' ? requestId : randomBytes(16).toString('hex'),
  );
  res.on('finish', () => {
    finishLog(deps, log, res);
  });
  const found = matchRoute(deps.routes, method, url.pathname);
  const bodyMode = found?.route.bodyMode ?? 'buffer';
  const body = bodyMode === 'buffer' ? await readBody(req, deps.bodyLimitBytes) : Buffer.alloc(0);
  log.bodyBytes = body.length;
  // Like Grape, only a JSON content type makes the body JSON parameters.
  const isJson = /^application\/json\b/i.test(req.headers['content-type'] ?? '');
  const json = isJson ? parseJsonObject(body) : undefined;
  log.json = json;

  const decision = deps.faults.decide(method, url.pathname, tokenOf(req, json));
  if (decision.kind === 'drop' && decision.dropAt === 'request') {
    dropConnection(deps, log, req);
    return;
  }
  if (decision.kind === 'redirect') {
    log.fault = 'redirect';
    // The upload is taken in full first, so the client reads the answer after sending.
    if (bodyMode === 'stream') {
      for await (const chunk of req) {
        log.bodyBytes += (chunk as Buffer).length;
      }
    }
    const location = decision.location ?? `${deps.redirectUrl()}${url.pathname}${url.search}`;
    writeResponse(
      res,
      messageResponse(decision.status, `${decision.status} redirected`, {
        Location: location,
      }),
    );
    return;
  }
  if (decision.kind === 'status' || decision.kind === 'rate_limit') {
    log.fault = decision.kind;
    writeResponse(res, faultResponse(decision));
    return;
  }
  if (found === undefined) {
    writeResponse(res, messageResponse(404, '404 Not Found'));
    return;
  }
  const answer = await found.route.handle({
    req,
    res,
    params: found.params,
    query: url.searchParams,
    body,
    json,
    log,
  });
  if (decision.kind === 'drop') {
    // The handler ran and changed state; the client never learns the answer.
    dropConnection(deps, log, req);
    return;
  }
  if (answer !== undefined) {
    writeResponse(res, answer);
  }
}

function faultResponse(
  decision:
    | { kind: 'status'; status: number; retryAfterSec: number | undefined }
    | { kind: 'rate_limit'; retryAfterSec: number },
): ApiResponse {
  if (decision.kind === 'rate_limit') {
    return messageResponse(
      429,
      'This endpoint has been requested too many times. Try again later.',
      {
        'Retry-After': String(decision.retryAfterSec),
      },
    );
  }
  const headers: Record<string, string> =
    decision.retryAfterSec === undefined ? {} : { 'Retry-After': String(decision.retryAfterSec) };
  return messageResponse(decision.status, `${decision.status} injected fault`, headers);
}

function dropConnection(
  deps: RunnerApiServerDeps,
  log: RequestLogEntry,
  req: IncomingMessage,
): void {
  log.fault = 'drop';
  log.finishedAtMs = deps.clock.now();
  log.durationMs = log.finishedAtMs - log.receivedAtMs;
  req.socket.destroy();
}

/** The token a request authenticates with, for per-token rate limits. */
function tokenOf(
  req: IncomingMessage,
  json: Record<string, unknown> | undefined,
): string | undefined {
  if (typeof json?.token === 'string') {
    return json.token;
  }
  for (const name of ['job-token', 'runner-token', 'private-token']) {
    const value = req.headers[name];
    if (typeof value === 'string') {
      return value;
    }
  }
  return undefined;
}

function finishLog(deps: RunnerApiServerDeps, log: RequestLogEntry, res: ServerResponse): void {
  log.status = res.statusCode;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.getHeaders())) {
    headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  log.responseHeaders = headers;
  log.finishedAtMs = deps.clock.now();
  log.durationMs = log.finishedAtMs - log.receivedAtMs;
  // Only the request line and outcome are logged: headers and bodies carry tokens.
  deps.logger.debug(
    { method: log.method, path: log.path, status: log.status, durationMs: log.durationMs },
    'request',
  );
}

/** Writes a complete answer. */
export function writeResponse(res: ServerResponse, answer: ApiResponse): void {
  res.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers ?? {})) {
    res.setHeader(name, value);
  }
  const body = answer.body;
  if (body instanceof Readable) {
    body.pipe(res);
    return;
  }
  if (body !== undefined) {
    res.setHeader('Content-Length', Buffer.byteLength(body));
  }
  res.end(body);
}
