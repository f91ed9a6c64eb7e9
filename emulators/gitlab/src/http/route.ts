import type { IncomingMessage, ServerResponse } from 'node:http';

import type { RequestLogEntry } from '../state/request-log';
import type { ApiResponse } from './api-response';

/** Everything a route handler gets for one request. */
export interface RouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The whole body, for `buffer` routes. */
  readonly body: Buffer;
  /** The body parsed as a JSON object, when it is one. */
  readonly json: Record<string, unknown> | undefined;
  readonly log: RequestLogEntry;
}

/**
 * How a route consumes its request: `buffer` reads the body first; `stream` leaves the body to
 * the handler (uploads); `raw` also leaves the response to the handler (git smart HTTP).
 */
export type BodyMode = 'buffer' | 'stream' | 'raw';

/** One HTTP route; `handle` returns the answer, or `undefined` when it wrote `res` itself. */
export interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly bodyMode: BodyMode;
  handle(ctx: RouteContext): Promise<ApiResponse | undefined>;
}

/** Finds the route for a request and its named path parameters. */
export function matchRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { route: Route; params: Record<string, string> } | undefined {
  for (const route of routes) {
    if (route.method !== method && route.method !== '*') {
      continue;
    }
    const match = route.pattern.exec(path);
    if (match !== null) {
      return { route, params: { ...match.groups } };
    }
  }
  return undefined;
}
