import { createServer } from 'node:http';
import type { Server } from 'node:http';

import { EmulatorError } from '../errors';
import { readBody } from '../protocol/http-body';
import { runAdminRequest } from './admin-routes';
import type { AdminDeps } from './admin-routes';

/** Creates the JSON admin server for fault injection and state inspection. */
export function createAdminServer(deps: AdminDeps): Server {
  return createServer((request, response) => {
    const reply = (status: number, payload: unknown): void => {
      const body = JSON.stringify(payload);
      response.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      response.end(body);
    };
    void (async () => {
      const raw = await readBody(request);
      let body: unknown;
      try {
        body = raw.trim() === '' ? undefined : JSON.parse(raw);
      } catch (cause) {
        throw new EmulatorError('bad-request', 'could not parse the request body as JSON', {
          cause,
        });
      }
      const url = new URL(request.url ?? '/', 'http://admin.invalid');
      const segments = url.pathname
        .split('/')
        .filter(s => s !== '')
        .map(decodeURIComponent);
      return runAdminRequest(deps, {
        method: request.method ?? 'GET',
        segments,
        query: url.searchParams,
        body,
      });
    })().then(
      payload => {
        reply(200, payload);
      },
      (error: unknown) => {
        if (error instanceof EmulatorError) {
          reply(error.httpStatus, { error: error.code, message: error.message });
          return;
        }
        deps.model.ctx.logger.error({ err: error }, 'admin request failed');
        reply(500, {
          error: 'internal',
          message: error instanceof Error ? error.message : String(error),
        });
      },
    );
  });
}
