import { z } from 'zod';
import type { ScaleThrottleConfig } from '../types-autoscaler';
import { nonEmptyString, tomlBoolean, tomlInt, tomlString } from './primitives';
import type { ReadContext } from './read-context';
import { joinPath, report } from './read-context';
import { readTable } from './read-table';

const scaleThrottleSchema = z.object({
  limit: tomlInt(-1).optional(),
  burst: tomlInt().optional(),
});

/** GitLab's creation rate when `scale_throttle.limit` is 0 or unset, instances per second. */
const defaultScaleThrottleLimit = 100;

/** Reads `[runners.autoscaler.scale_throttle]`, resolving GitLab's burst default. */
export function readScaleThrottle(
  ctx: ReadContext,
  path: string,
  raw: unknown,
  maxInstanceCount: number | null,
): ScaleThrottleConfig | undefined {
  const config = readTable(ctx, path, raw ?? {}, scaleThrottleSchema)?.value;
  if (config === undefined) {
    return undefined;
  }
  if (config.limit === -1) {
    if (config.burst !== undefined && config.burst > 0) {
      ctx.warnings.push(`${joinPath(path, 'burst')} is ignored: limit = -1 means unlimited`);
    }
    return { limitPerSecond: null, burst: null };
  }
  const limitPerSecond =
    config.limit === undefined || config.limit === 0 ? defaultScaleThrottleLimit : config.limit;
  const burst =
    config.burst !== undefined && config.burst > 0
      ? config.burst
      : (maxInstanceCount ?? limitPerSecond);
  return { limitPerSecond, burst };
}

const stateStorageSchema = z.object({
  enabled: tomlBoolean().optional(),
  dir: tomlString().optional(),
  keep_instance_with_acquisitions: tomlBoolean().optional(),
});

/** Checks `[runners.autoscaler.state_storage]`: parsed, and ignored with a warning if enabled. */
export function checkStateStorage(ctx: ReadContext, path: string, raw: unknown): boolean {
  if (raw === undefined) {
    return true;
  }
  const read = readTable(ctx, path, raw, stateStorageSchema);
  if (read?.fields.enabled === true) {
    ctx.warnings.push(
      `${joinPath(path, 'enabled')} is ignored: taskfleet keeps instance state in Redis`,
    );
  }
  return read?.value !== undefined;
}

const vmIsolationSchema = z.object({
  enabled: tomlBoolean().optional(),
  nesting_host: nonEmptyString().optional(),
  image: nonEmptyString().optional(),
});

/** Checks `[runners.autoscaler.vm_isolation]`: parsed, and refused if enabled (not supported). */
export function checkVmIsolation(ctx: ReadContext, path: string, raw: unknown): boolean {
  if (raw === undefined) {
    return true;
  }
  // nesting_config and connector_config only matter with VM isolation, which is refused anyway.
  const read = readTable(ctx, path, raw, vmIsolationSchema, ['nesting_config', 'connector_config']);
  if (read?.fields.enabled === true) {
    report(
      ctx,
      joinPath(path, 'enabled'),
      'vm_isolation is not supported: taskfleet runs jobs directly on the instance',
    );
    return false;
  }
  return read?.value !== undefined;
}
