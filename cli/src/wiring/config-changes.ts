import type { Config } from '@taskfleet/config';
import { runnerKeyFor } from '@taskfleet/job-queue';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function collect(path: string, was: unknown, now: unknown, out: string[]): void {
  if (Array.isArray(was) && Array.isArray(now) && was.length === now.length) {
    was.forEach((item: unknown, i) => {
      collect(`${path}[${i}]`, item, now[i], out);
    });
    return;
  }
  if (isPlainObject(was) && isPlainObject(now)) {
    for (const key of new Set([...Object.keys(was), ...Object.keys(now)])) {
      collect(path === '' ? key : `${path}.${key}`, was[key], now[key], out);
    }
    return;
  }
  // Leaves, arrays that grew or shrank, and class instances (the payload key, whose JSON is
  // "[redacted]") are compared whole; only the path is ever reported, never a value.
  if (JSON.stringify(was) !== JSON.stringify(now)) {
    out.push(path);
  }
}

/**
 * The paths of the parsed config (`concurrent`, `runners[0].autoscaler.policies[1].idleCount`)
 * whose values differ between `old` and `next`, for the reload log line. Runners are matched by
 * runner key (id and URL), so reordering them is no change; a path is named as in `next`.
 * Values are never returned, so a changed token or password shows as its path alone.
 */
export function configChanges(old: Config, next: Config): string[] {
  const out: string[] = [];
  const { runners: oldRunners, ...oldRest } = old;
  const { runners: nextRunners, ...nextRest } = next;
  collect('', oldRest, nextRest, out);
  const oldByKey = new Map(oldRunners.map(r => [runnerKeyFor(r), r]));
  const matched = new Set<string>();
  for (const [index, runner] of nextRunners.entries()) {
    const key = runnerKeyFor(runner);
    const before = oldByKey.get(key);
    if (before === undefined) {
      out.push(`runners[${index}]`);
      continue;
    }
    matched.add(key);
    collect(`runners[${index}]`, before, runner, out);
  }
  const removed = [...oldByKey.keys()].filter(key => !matched.has(key)).length;
  if (removed > 0) {
    out.push('runners');
  }
  return out;
}
