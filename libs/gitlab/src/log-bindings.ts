import type { Logger } from 'pino';

/**
 * The bindings a child of `logger` should add: those it does not bind already. Pino appends a
 * child's bindings without replacing the parent's, so a key bound twice appears twice in one
 * JSON line, which strict log stores refuse; the outer binding (a job id, a component) is kept.
 */
export function unboundOf(
  logger: Logger,
  bindings: Record<string, unknown>,
): Record<string, unknown> {
  const bound = logger.bindings();
  return Object.fromEntries(Object.entries(bindings).filter(([key]) => !(key in bound)));
}
