import { closest, distance } from 'fastest-levenshtein';

/**
 * The known key that `key` is most likely a typo of, or undefined when none is close enough.
 * Close means at most one edit for short keys and two for keys of six characters or more, so
 * `max_instance` finds `max_instances` while unrelated GitLab keys stay plain unknown keys.
 */
export function nearMiss(key: string, known: readonly string[]): string | undefined {
  if (key.length < 4 || known.length === 0) {
    return undefined;
  }
  const candidate = closest(key, [...known]);
  const edits = distance(key.toLowerCase(), candidate.toLowerCase());
  const allowed = key.length >= 6 ? 2 : 1;
  return edits <= allowed ? candidate : undefined;
}
