import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Logger } from 'pino';

import { parseCgiHead } from './cgi-response';
import { gitBaseEnv } from './config';

/** Which repository a smart-HTTP request is for, and who the caller already authenticated. */
export interface GitHttpOptions {
  /** Absolute path of the bare repository. */
  readonly repoPath: string;
  /** The part of the URL path after `…/project.git`, e.g. `/info/refs` or `/git-upload-pack`. */
  readonly pathInfo: string;
  /** The authenticated user, passed on as REMOTE_USER (git logs it; it grants nothing here). */
  readonly remoteUser?: string;
  readonly logger?: Logger;
}

type Route = 'upload-pack' | 'push' | 'method-not-allowed' | 'not-found';

const stderrLimitBytes = 8_192;

/**
 * Serves a read-only git smart-HTTP request (clone, fetch, ls-remote) by running
 * `git http-backend` as a CGI; the caller has already decided the request may read the repository.
 */
export function handleGitHttp(
  req: IncomingMessage,
  res: ServerResponse,
  opts: GitHttpOptions,
): void {
  const query = (req.url ?? '').split('?')[1] ?? '';
  const route = routeOf(req.method ?? 'GET', opts.pathInfo, query);
  if (route !== 'upload-pack') {
    req.resume();
    answerPlain(res, route);
    return;
  }
  const child = spawn('git', ['http-backend'], {
    env: cgiEnv(req, opts, query),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  let buffered: Buffer = Buffer.alloc(0);
  let headSent = false;

  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < stderrLimitBytes) {
      stderr += chunk.toString('utf8');
    }
  });
  child.stdout.on('data', (chunk: Buffer) => {
    if (headSent) {
      return;
    }
    buffered = Buffer.concat([buffered, chunk]);
    const head = parseCgiHead(buffered);
    if (head === undefined) {
      return;
    }
    headSent = true;
    res.statusCode = head.statusCode;
    if (head.statusMessage !== undefined) {
      res.statusMessage = head.statusMessage;
    }
    for (const [name, value] of head.headers) {
      res.appendHeader(name, value);
    }
    res.write(head.rest);
    // From here on the body streams straight through, with backpressure.
    child.stdout.pipe(res);
  });
  child.on('error', error => {
    opts.logger?.error({ err: error, repoPath: opts.repoPath }, 'git http-backend failed to start');
    fail(res, headSent);
  });
  child.on('close', (code, signal) => {
    if (code !== 0) {
      opts.logger?.warn(
        { repoPath: opts.repoPath, pathInfo: opts.pathInfo, code, signal, stderr: stderr.trim() },
        'git http-backend exited with an error',
      );
    }
    if (!headSent) {
      fail(res, false);
    }
  });
  // A client that hangs up mid-fetch leaves nothing to serve; stop the backend's work.
  res.on('close', () => {
    if (!res.writableFinished && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
    }
  });
  // The backend may stop reading early (e.g. a 404 before the body); the exit code reports that.
  child.stdin.on('error', () => undefined);
  req.pipe(child.stdin);
}

function routeOf(method: string, pathInfo: string, query: string): Route {
  const service = new URLSearchParams(query).get('service');
  if (pathInfo === '/info/refs') {
    if (method !== 'GET' && method !== 'HEAD') {
      return 'method-not-allowed';
    }
    if (service === 'git-receive-pack') {
      return 'push';
    }
    // The dumb protocol (no service parameter) is not offered by GitLab either.
    return service === 'git-upload-pack' ? 'upload-pack' : 'not-found';
  }
  if (pathInfo === '/git-upload-pack') {
    return method === 'POST' ? 'upload-pack' : 'method-not-allowed';
  }
  if (pathInfo === '/git-receive-pack') {
    return 'push';
  }
  return 'not-found';
}

function answerPlain(res: ServerResponse, route: Exclude<Route, 'upload-pack'>): void {
  const answers = {
    push: [403, 'You are not allowed to push code to this project.'],
    'method-not-allowed': [405, 'Method Not Allowed'],
    'not-found': [404, 'Not Found'],
  } as const;
  const [status, text] = answers[route];
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

function fail(res: ServerResponse, headSent: boolean): void {
  if (headSent || res.headersSent) {
    // Mid-body there is no status left to change; cutting the stream makes git report an error.
    res.destroy();
    return;
  }
  res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end('Internal Server Error\n');
}

function cgiEnv(req: IncomingMessage, opts: GitHttpOptions, query: string): Record<string, string> {
  const env: Record<string, string> = {
    ...gitBaseEnv,
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    REQUEST_METHOD: req.method ?? 'GET',
    // The repository is the project root itself, so PATH_INFO is only the service part.
    GIT_PROJECT_ROOT: opts.repoPath,
    PATH_INFO: opts.pathInfo,
    QUERY_STRING: query,
    GIT_HTTP_EXPORT_ALL: '1',
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
  };
  const optional: Record<string, string | undefined> = {
    REMOTE_USER: opts.remoteUser,
    CONTENT_TYPE: req.headers['content-type'],
    CONTENT_LENGTH: req.headers['content-length'],
    // git sends large negotiation bodies gzipped; http-backend inflates them itself.
    HTTP_CONTENT_ENCODING: req.headers['content-encoding'],
    // Carries "version=2": without it the backend falls back to protocol v0.
    HTTP_GIT_PROTOCOL: headerValue(req.headers['git-protocol']),
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined && value !== '') {
      env[key] = value;
    }
  }
  return env;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}
