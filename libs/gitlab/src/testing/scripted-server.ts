import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the scripted server saw it. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** What the script answers; a JSON `json` body sets `Content-Type: application/json`. */
export interface ScriptedResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  readonly json?: unknown;
  /** Destroy the socket instead of answering (a network failure). */
  readonly hangUp?: boolean;
}

/** A running scripted HTTP server on 127.0.0.1. */
export interface ScriptedServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Starts a loopback HTTP server on an ephemeral port that answers each request with `handler`. */
export async function startScriptedServer(
  handler: (request: RecordedRequest) => ScriptedResponse | Promise<ScriptedResponse>,
): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(parts),
      };
      requests.push(recorded);
      void Promise.resolve(handler(recorded)).then(
        answer => {
          if (answer.hangUp === true) {
            req.socket.destroy();
            return;
          }
          const headers: Record<string, string> = { ...answer.headers };
          let body: string | Buffer = answer.body ?? '';
          if (answer.json !== undefined) {
            headers['Content-Type'] ??= 'application/json';
            body = JSON.stringify(answer.json);
          }
          res.writeHead(answer.status, headers);
          res.end(body);
        },
        (err: unknown) => {
          res.writeHead(599);
          res.end(String(err));
        },
      );
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
