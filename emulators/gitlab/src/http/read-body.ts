import type { IncomingMessage } from 'node:http';

/** Thrown when a request body is larger than the route allows. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  readonly code = 'body_too_large';
  readonly retryable = false;
}

/** Reads a whole request body into memory, refusing bodies over `limitBytes`. */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is drained, not kept, so the client still gets its 413.
      if (size <= limitBytes) {
        chunks.push(chunk);
      }
    });
    req.on('end', () => {
      if (size > limitBytes) {
        reject(new BodyTooLargeError('could not read request body: too large'));
        return;
      }
      resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

/** Parses a JSON object body; anything else (empty, invalid, an array) gives `undefined`. */
export function parseJsonObject(body: Buffer): Record<string, unknown> | undefined {
  if (body.length === 0) {
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
