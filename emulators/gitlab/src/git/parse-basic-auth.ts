/** Credentials from an HTTP Basic `Authorization` header. */
export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

/** Decodes `Authorization: Basic …` (RFC 7617); undefined for any other or malformed header. */
export function parseBasicAuth(header: string | undefined): BasicCredentials | undefined {
  const match = /^basic[ \t]+([A-Za-z0-9+/=._~-]+)[ \t]*$/i.exec(header ?? '');
  if (match?.[1] === undefined) {
    return undefined;
  }
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  // The user-id cannot contain a colon (RFC 7617 §2); the password may.
  const colon = decoded.indexOf(':');
  if (colon < 0) {
    return undefined;
  }
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
