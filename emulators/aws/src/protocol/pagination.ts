import { AwsApiError } from '../errors';

/** One page of a list and the token for the next, if any. */
export interface Page<T> {
  readonly items: T[];
  readonly nextToken: string | undefined;
}

/**
 * Cuts a list into pages with opaque tokens that end: the token encodes the offset and the
 * list's scope, so a token from another listing is rejected with `errorCode`.
 */
export function paginate<T>(
  items: readonly T[],
  pageSize: number,
  nextToken: string | undefined,
  scope: string,
  errorCode: string,
): Page<T> {
  let offset = 0;
  if (nextToken !== undefined) {
    const decoded = decodeToken(nextToken);
    if (decoded === undefined || decoded.scope !== scope) {
      throw new AwsApiError(errorCode, `The token '${nextToken}' is invalid.`);
    }
    offset = decoded.offset;
  }
  const page = items.slice(offset, offset + pageSize);
  const end = offset + page.length;
  return { items: page, nextToken: end < items.length ? encodeToken(end, scope) : undefined };
}

function encodeToken(offset: number, scope: string): string {
  return Buffer.from(JSON.stringify({ o: offset, s: scope })).toString('base64url');
}

function decodeToken(token: string): { offset: number; scope: string } | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      o?: unknown;
      s?: unknown;
    };
    return typeof parsed.o === 'number' && typeof parsed.s === 'string'
      ? { offset: parsed.o, scope: parsed.s }
      : undefined;
  } catch {
    return undefined;
  }
}
