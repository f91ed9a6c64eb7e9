import type { Registry } from '@taskfleet/registry';
import { TokenBucket } from '@taskfleet/taskscaler';
import type { TokenBucketState } from '@taskfleet/taskscaler';

import { noCreationBackoff } from './creation-backoff';
import type { CreationBackoff } from './creation-backoff';
import type { ScalerSettings } from './settings';

/**
 * What the scaler leader keeps between ticks, in Redis under the registry's hash tag, so a
 * restart or a new leader goes on from it: creations asked for and not yet listed, the
 * `scale_throttle` bucket, the last scale times and the desired capacity we expect AWS to hold.
 */
export interface ScalerMemory {
  /** When each creation the cloud accepted (or is being asked for), and no member answered yet, was asked for. */
  pendingCreationsAtMs: number[];
  bucket: TokenBucket;
  /** Last time the cloud accepted new instances from us. */
  lastScaleOutAtMs: number | undefined;
  /** Last time we sent a termination (for any reason). */
  lastScaleInAtMs: number | undefined;
  /**
   * Last time an instance was terminated for idleness; with the last scale-out, where the
   * `scale_in_cooldown` counts from (scale-in-cooldown.ts), here so a restart does not shorten it.
   */
  lastIdleRemovalAtMs: number | undefined;
  /** The group's desired capacity after our last change, to tell our changes from drift. */
  expectedDesiredCapacity: number | undefined;
  /** The last boots' outcomes, newest last (`r` ready, `f` boot failed); see boot-failures.ts. */
  bootOutcomes: string;
  /** Boot failures in a row and the wait they impose on creations; see creation-backoff.ts. */
  creationBackoff: CreationBackoff;
  /**
   * When each instance's next ready check or heartbeat is due (epoch ms), back-offs included;
   * the probes' schedule (HealthProbes.useSchedule), so a new leader does not probe at once.
   */
  probeDueAtMs: Map<string, number>;
  /**
   * When we last extended each cloud-held removal (lifecycle-hooks.ts); kept by this process
   * only, since a new leader extending a hold once more early is harmless.
   */
  removalHoldsExtendedAtMs?: Map<string, number>;
  /** The encoded fields as Redis holds them (loaded, or last saved): only changes are written. */
  storedFields?: Readonly<Record<string, string>>;
}

type Throttle = ScalerSettings['scaleThrottle'];

function freshBucket(throttle: Throttle, nowMs: number): TokenBucket {
  return TokenBucket.create(throttle.limitPerSecond, throttle.burst, nowMs);
}

function parseJson(raw: string | undefined): unknown {
  if (raw === undefined) {
    return undefined;
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

function finiteOrUndefined(raw: string | undefined): number | undefined {
  const value = raw === undefined || raw === '' ? NaN : Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * Restores the bucket with the throttle as configured now: a changed limit or burst starts from
 * the stored token count (capped at the new burst), never from a full bucket, so a restart
 * cannot be used to skip the throttle.
 */
function restoreBucket(raw: unknown, throttle: Throttle, nowMs: number): TokenBucket {
  const fresh = freshBucket(throttle, nowMs);
  const stored = raw as Partial<TokenBucketState> | undefined;
  if (
    stored === undefined ||
    typeof stored.tokens !== 'number' ||
    typeof stored.updatedAtMs !== 'number' ||
    !Number.isFinite(stored.tokens) ||
    !Number.isFinite(stored.updatedAtMs)
  ) {
    return fresh;
  }
  const state = fresh.state;
  return TokenBucket.fromState({
    ...state,
    tokens: Math.max(0, Math.min(state.burst, stored.tokens)),
    updatedAtMs: stored.updatedAtMs,
  });
}

/** Decodes the stored fields; anything missing or malformed falls back to a fresh start. */
export function decodeMemory(
  fields: Readonly<Record<string, string>>,
  throttle: Throttle,
  nowMs: number,
): ScalerMemory {
  const pending = parseJson(fields.pendingCreationsAtMs);
  return {
    pendingCreationsAtMs: Array.isArray(pending)
      ? pending.filter((at): at is number => typeof at === 'number' && Number.isFinite(at))
      : [],
    bucket: restoreBucket(parseJson(fields.bucket), throttle, nowMs),
    lastScaleOutAtMs: finiteOrUndefined(fields.lastScaleOutAtMs),
    lastScaleInAtMs: finiteOrUndefined(fields.lastScaleInAtMs),
    lastIdleRemovalAtMs: finiteOrUndefined(fields.lastIdleRemovalAtMs),
    expectedDesiredCapacity: finiteOrUndefined(fields.expectedDesiredCapacity),
    bootOutcomes: /^[rf]*$/.test(fields.bootOutcomes ?? '') ? (fields.bootOutcomes ?? '') : '',
    creationBackoff: decodeCreationBackoff(fields),
    probeDueAtMs: decodeSchedule(parseJson(fields.probeDueAtMs)),
  };
}

function decodeSchedule(raw: unknown): Map<string, number> {
  const schedule = new Map<string, number>();
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return schedule;
  }
  for (const [id, atMs] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof atMs === 'number' && Number.isFinite(atMs)) {
      schedule.set(id, atMs);
    }
  }
  return schedule;
}

function decodeCreationBackoff(fields: Readonly<Record<string, string>>): CreationBackoff {
  const failures = finiteOrUndefined(fields.consecutiveBootFailures);
  if (failures === undefined || !Number.isInteger(failures) || failures <= 0) {
    return noCreationBackoff;
  }
  return {
    consecutiveBootFailures: failures,
    untilMs: finiteOrUndefined(fields.creationBackoffUntilMs),
  };
}

/** Encodes the memory as the registry's opaque scaler-state fields. */
export function encodeMemory(memory: ScalerMemory): Record<string, string> {
  return {
    pendingCreationsAtMs: JSON.stringify(memory.pendingCreationsAtMs),
    bucket: JSON.stringify(memory.bucket.state),
    lastScaleOutAtMs: memory.lastScaleOutAtMs === undefined ? '' : String(memory.lastScaleOutAtMs),
    lastScaleInAtMs: memory.lastScaleInAtMs === undefined ? '' : String(memory.lastScaleInAtMs),
    lastIdleRemovalAtMs:
      memory.lastIdleRemovalAtMs === undefined ? '' : String(memory.lastIdleRemovalAtMs),
    expectedDesiredCapacity:
      memory.expectedDesiredCapacity === undefined ? '' : String(memory.expectedDesiredCapacity),
    bootOutcomes: memory.bootOutcomes,
    consecutiveBootFailures: String(memory.creationBackoff.consecutiveBootFailures),
    creationBackoffUntilMs:
      memory.creationBackoff.untilMs === undefined ? '' : String(memory.creationBackoff.untilMs),
    probeDueAtMs: JSON.stringify(Object.fromEntries(memory.probeDueAtMs)),
  };
}

/** Reads the leader's memory from the registry (fresh each tick, so a new leader sees it). */
export async function loadMemory(
  registry: Registry,
  throttle: Throttle,
  nowMs: number,
): Promise<ScalerMemory> {
  const fields = await registry.readScalerState();
  return { ...decodeMemory(fields, throttle, nowMs), storedFields: fields };
}

/**
 * Writes the memory's changed fields with the lease's fencing token; a stale token is refused by
 * the registry, also when nothing changed (callers rely on it as the fence before a cloud call).
 */
export async function saveMemory(
  registry: Registry,
  fencingToken: number,
  memory: ScalerMemory,
): Promise<void> {
  const fields = encodeMemory(memory);
  const stored = memory.storedFields ?? {};
  const changed = Object.fromEntries(
    Object.entries(fields).filter(([name, value]) => stored[name] !== value),
  );
  await registry.writeScalerState(fencingToken, changed);
  memory.storedFields = fields;
}
