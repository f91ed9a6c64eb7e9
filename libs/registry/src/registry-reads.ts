import { RegistryError } from './errors';
import { checkId } from './keys';
import type { RegistryContext } from './registry-context';
import { runRaw } from './script-runner';
import { buildSnapshot, parseInstance } from './snapshot';
import type { InstanceRecord, RegistrySnapshot } from './types';

/** Reads one instance record with its slots; undefined when unknown. */
export async function readInstance(
  ctx: RegistryContext,
  instanceId: string,
): Promise<InstanceRecord | undefined> {
  checkId('instanceId', instanceId);
  try {
    const [fields, slots] = await Promise.all([
      ctx.redis.hgetall(`${ctx.baseKey}:inst:${instanceId}`),
      ctx.redis.hgetall(`${ctx.baseKey}:inst:${instanceId}:slots`),
    ]);
    if (Object.keys(fields).length === 0) {
      return undefined;
    }
    return parseInstance(
      instanceId,
      new Map(Object.entries(fields)),
      new Map(Object.entries(slots)),
    );
  } catch (error) {
    throw new RegistryError('redis_unavailable', 'could not read instance', {
      cause: error,
      instanceId,
    });
  }
}

/** One atomic read of everything the planner needs (the snapshot script). */
export async function readSnapshot(ctx: RegistryContext): Promise<RegistrySnapshot> {
  const atMs = ctx.clock();
  const raw = await runRaw(ctx.redis, 'tfSnapshot', ctx.baseKey, [atMs]);
  if (!Array.isArray(raw) || raw.length < 6) {
    throw new RegistryError('inconsistent_state', 'could not parse registry snapshot');
  }
  const repairs = Number(raw[5]);
  if (repairs > 0) {
    // Only a write that bypassed the scripts (or an older version) can cause this.
    ctx.logger.warn({ repairs }, 'free-slot counters disagreed with the records; repaired');
  }
  return buildSnapshot({
    atMs,
    instancesJson: String(raw[0]),
    reservedSlots: Number(raw[1]),
    pendingJobs: Number(raw[2]),
    claimedSlots: Number(raw[3]),
    terminations: raw[4],
  });
}

/** The maintained free-slot counters: idle (claimable now) and unavailable. */
export async function readFreeSlotCounts(
  ctx: RegistryContext,
): Promise<{ idleReadySlots: number; unavailableSlots: number }> {
  try {
    const [idle, unavailable] = await ctx.redis.hmget(
      `${ctx.baseKey}:free-slots`,
      'idle',
      'unavailable',
    );
    return { idleReadySlots: Number(idle ?? 0), unavailableSlots: Number(unavailable ?? 0) };
  } catch (error) {
    throw new RegistryError('redis_unavailable', 'could not read free-slot counters', {
      cause: error,
    });
  }
}

/** The scaler leader's own state fields; empty when none. */
export async function readScalerState(ctx: RegistryContext): Promise<Record<string, string>> {
  try {
    return await ctx.redis.hgetall(`${ctx.baseKey}:scaler-state`);
  } catch (error) {
    throw new RegistryError('redis_unavailable', 'could not read scaler state', { cause: error });
  }
}
