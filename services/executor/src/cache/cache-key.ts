import { posix } from 'node:path';

/** A cache key after GitLab Runner's sanitising, with the warning it prints when it changed. */
export type SanitizedKey =
  | { readonly ok: true; readonly key: string; readonly warning?: string }
  | { readonly ok: false; readonly warning: string };

// URL-encoded slashes and dots decode, and backslashes become slashes, before the path is cleaned.
const encoded: readonly [RegExp, string][] = [
  [/%2f/gi, '/'],
  [/%2e/gi, '.'],
  [/\\/g, '/'],
];

/**
 * Sanitises a cache key as GitLab Runner does: decode `%2F`/`%2E`, turn `\` into `/`, clean
 * the path inside a virtual root (so `..` cannot climb out), then drop trailing white space and
 * segments it empties; a key that ends up empty cannot be used.
 */
export function sanitizeCacheKey(raw: string): SanitizedKey {
  if (raw === '') {
    return { ok: false, warning: 'empty cache key' };
  }
  let decoded = raw;
  for (const [pattern, replacement] of encoded) {
    decoded = decoded.replace(pattern, replacement);
  }
  const cleaned = posix.normalize(`/${decoded}`);
  const parts = (cleaned === '/' ? '' : cleaned.replace(/\/$/, '')).slice(1).split('/');
  // Trailing white space goes from the rightmost segments, and a segment it empties goes too.
  while (parts.length > 0) {
    const last = (parts.pop() ?? '').trimEnd();
    if (last !== '') {
      parts.push(last);
      break;
    }
  }
  const key = parts.join('/');
  if (key === '') {
    return { ok: false, warning: `cache key ${goQuote(raw)} could not be sanitized` };
  }
  if (key !== raw) {
    return { ok: true, key, warning: `cache key ${goQuote(raw)} sanitized to ${goQuote(key)}` };
  }
  return { ok: true, key };
}

/**
 * A token shortened as GitLab Runner shortens runner and job tokens for names and log lines:
 * known prefixes dropped, 9 characters kept.
 */
export function shortRunnerToken(token: string): string {
  const stripped = token
    .replace(/^glrt-(t[123]_)?|^t[123]_|^glrtr-/, '')
    .replace(/^glcbt-/, '')
    .replace(/^GR[0-9A-Fa-f]{7}/, '');
  return stripped.slice(0, 9);
}

/** Where a cache lives in the bucket, as GitLab Runner names it. */
export interface CacheObjectNaming {
  /** `[runners.cache] Path`. */
  readonly path: string;
  /** `[runners.cache] Shared`: no per-runner segment. */
  readonly shared: boolean;
  /** The runner's short token (`shortRunnerToken`). */
  readonly runnerShortToken: string;
}

/**
 * `<Path>/runner/<short token>/project/<id>/<key>` (no runner segment when shared), or
 * undefined when the key would leave the project's prefix.
 */
export function cacheObjectName(
  naming: CacheObjectNaming,
  projectId: number,
  key: string,
): string | undefined {
  const namespace = naming.shared ? '' : posix.join('runner', naming.runnerShortToken);
  const base = posix.join(naming.path || '.', namespace || '.', 'project', String(projectId));
  const full = posix.join(base, key);
  if (!full.startsWith(`${base}/`)) {
    return undefined;
  }
  return full.replace(/^\.\//, '');
}

/** Go's %q for the plain keys this quotes: a JSON string is the same for printable text. */
function goQuote(text: string): string {
  return JSON.stringify(text);
}
