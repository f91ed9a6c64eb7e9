import { createHash } from 'node:crypto';

/** Known GitLab token prefixes, kept visible in a token's log reference because they are not secret. */
const VISIBLE_PREFIX = /^(glrt-|glcbt-|glpat-|GR1348941|glrtr-)/;

/**
 * A stable, non-secret stand-in for a token in logs: its public prefix and 8 hex digits of its
 * SHA-256, so two log lines can be matched without the token ever being written.
 */
export function tokenRef(token: string): string {
  const prefix = VISIBLE_PREFIX.exec(token)?.[1] ?? '';
  const digest = createHash('sha256').update(token).digest('hex').slice(0, 8);
  return `${prefix}sha256:${digest}`;
}

/** Replaces every occurrence of each secret in `text` with `[REDACTED]`, before text is logged. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length > 0) {
      out = out.split(secret).join('[REDACTED]');
    }
  }
  return out;
}

/** Pino redact paths for any field that could carry a token if a caller logged a request. */
export const tokenRedactPaths: readonly string[] = Object.freeze([
  'token',
  '*.token',
  'headers["job-token"]',
  'headers["runner-token"]',
  'headers["private-token"]',
  '*.headers["job-token"]',
  '*.headers["runner-token"]',
]);
