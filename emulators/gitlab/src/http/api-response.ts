import type { Readable } from 'node:stream';

/** A complete answer a route handler produces; the server writes it (or a fault replaces it). */
export interface ApiResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer | Readable;
}

/** A JSON answer with GitLab's `application/json` content type. */
export function jsonResponse(
  status: number,
  value: unknown,
  headers: Readonly<Record<string, string>> = {},
): ApiResponse {
  return {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(value),
  };
}

/** GitLab's error shape `{"message": "..."}`. */
export function messageResponse(
  status: number,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): ApiResponse {
  return jsonResponse(status, { message }, headers);
}

/** A plain-text answer, e.g. the `"200"` body of `PUT /jobs/:id`. */
export function textResponse(
  status: number,
  text: string,
  headers: Readonly<Record<string, string>> = {},
): ApiResponse {
  return { status, headers: { 'Content-Type': 'text/plain', ...headers }, body: text };
}

/** An answer without a body (204 and friends). */
export function emptyResponse(
  status: number,
  headers: Readonly<Record<string, string>> = {},
): ApiResponse {
  return { status, headers };
}
