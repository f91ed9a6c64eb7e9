/** The head of a CGI response: status and headers, with the bytes that followed them. */
export interface CgiHead {
  readonly statusCode: number;
  readonly statusMessage: string | undefined;
  readonly headers: readonly (readonly [string, string])[];
  /** Body bytes that arrived in the same chunks as the head. */
  readonly rest: Buffer;
}

/**
 * Parses the header block of CGI output (RFC 3875 §6) once it is complete; undefined while the
 * blank line that ends it has not arrived yet.
 */
export function parseCgiHead(buffered: Buffer): CgiHead | undefined {
  const end = headerEnd(buffered);
  if (end === undefined) {
    return undefined;
  }
  let statusCode = 200;
  let statusMessage: string | undefined;
  const headers: [string, string][] = [];
  for (const line of buffered.subarray(0, end.headEnd).toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) {
      continue;
    }
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') {
      const match = /^(\d{3})\s*(.*)$/.exec(value);
      if (match?.[1] !== undefined) {
        statusCode = Number(match[1]);
        statusMessage = match[2] === '' ? undefined : match[2];
      }
    } else {
      headers.push([name, value]);
    }
  }
  return { statusCode, statusMessage, headers, rest: buffered.subarray(end.bodyStart) };
}

function headerEnd(buffered: Buffer): { headEnd: number; bodyStart: number } | undefined {
  // git http-backend ends lines with "\r\n", but CGI scripts may use bare "\n"; take the first.
  const crlf = buffered.indexOf('\r\n\r\n');
  const lf = buffered.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) {
    return { headEnd: crlf, bodyStart: crlf + 4 };
  }
  if (lf >= 0) {
    return { headEnd: lf, bodyStart: lf + 2 };
  }
  return undefined;
}
