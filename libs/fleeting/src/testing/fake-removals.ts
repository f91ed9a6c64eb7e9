import { FleetingError } from '../errors';
import type { DecreaseFailure, DecreaseResult } from '../port/instance-group';

/** The fake's answer for an id it does not hold. */
export function notFound(id: string): FleetingError {
  return new FleetingError('instance_not_found', `could not find instance ${id}`, {
    instanceId: id,
  });
}

/**
 * Answers each id of a removal on its own, as a cloud does: a failure injected for it first
 * (used once), then not found, else `end` marks the item as ending and the id succeeds.
 */
export function answerEach<T>(
  ids: readonly string[],
  injected: Map<string, FleetingError>,
  items: ReadonlyMap<string, T>,
  end: (item: T) => void,
): DecreaseResult {
  const succeeded: string[] = [];
  const failed: DecreaseFailure[] = [];
  for (const id of ids) {
    const error = injected.get(id);
    const item = items.get(id);
    if (error !== undefined) {
      injected.delete(id);
      failed.push({ id, error });
    } else if (item === undefined) {
      failed.push({ id, error: notFound(id) });
    } else {
      end(item);
      succeeded.push(id);
    }
  }
  return { succeeded, failed };
}
