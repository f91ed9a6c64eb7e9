import type { IncomingMessage, ServerResponse } from 'node:http';

import type { WireResponse } from './wire-response';

const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Reads a request body as UTF-8, refusing bodies over 4 MiB. */
export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      throw new RangeError('could not read the request body: larger than 4 MiB');
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes an encoded response. */
export function writeResponse(response: ServerResponse, wire: WireResponse): void {
  response.writeHead(wire.status, {
    'content-type': wire.contentType,
    'content-length': Buffer.byteLength(wire.body),
    ...wire.headers,
  });
  response.end(wire.body);
}
