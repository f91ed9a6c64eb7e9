import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Registry } from 'prom-client';

import { TelemetryError } from './errors';
import type { ReadinessReport } from './readiness';

/** What the listener serves; each source is read on every request. */
export interface TelemetrySources {
  readonly registry: Registry;
  /** /healthz body: liveness figures (the pollers' last successful poll…). */
  liveness(): Record<string, unknown>;
  /** /readyz: 200 when ready, else 503 naming what is missing. */
  readiness(): Promise<ReadinessReport>;
}

/** The started listener. */
export interface TelemetryServer {
  /** Where it listens (port resolved when 0 was asked). */
  readonly host: string;
  readonly port: number;
  /** Stops listening and ends open connections; idempotent. */
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

async function route(sources: TelemetrySources, req: IncomingMessage, res: ServerResponse) {
  const path = new URL(req.url ?? '/', 'http://listener').pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendJson(res, 405, { error: 'method not allowed' });
    return;
  }
  switch (path) {
    case '/metrics': {
      const text = await sources.registry.metrics();
      res.writeHead(200, { 'content-type': sources.registry.contentType });
      res.end(text);
      return;
    }
    case '/healthz':
      sendJson(res, 200, { status: 'ok', ...sources.liveness() });
      return;
    case '/readyz': {
      const report = await sources.readiness();
      const missing = report.checks.filter(c => !c.ok).map(c => c.name);
      sendJson(res, report.ready ? 200 : 503, { ...report, missing });
      return;
    }
    default:
      sendJson(res, 404, { error: 'not found' });
  }
}

/**
 * Serves /metrics (Prometheus text), /healthz (liveness) and /readyz (readiness) on
 * `listen_address`, as GitLab Runner serves its metrics there.
 */
export async function startTelemetryServer(input: {
  readonly host: string;
  readonly port: number;
  readonly sources: TelemetrySources;
  /** Told about a request that failed inside a handler (the answer is a 500). */
  readonly onError: (error: unknown) => void;
}): Promise<TelemetryServer> {
  const server: Server = createServer((req, res) => {
    route(input.sources, req, res).catch((error: unknown) => {
      input.onError(error);
      if (!res.headersSent) {
        sendJson(res, 500, { error: 'internal error' });
      } else {
        res.end();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code ?? error.message;
      reject(
        new TelemetryError(
          'listen_failed',
          `could not listen on ${input.host || '*'}:${input.port} (${reason})`,
          { cause: error, retryable: true },
        ),
      );
    });
    // An empty host is GitLab's ":9252", every interface.
    server.listen(input.port, input.host === '' ? undefined : input.host, () => {
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    host: address.address,
    port: address.port,
    close() {
      closing ??= new Promise<void>(resolve => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
