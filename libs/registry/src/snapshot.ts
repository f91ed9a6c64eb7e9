import { INSTANCE_STATES } from './types';
import type { InstanceRecord, InstanceState, RegistrySnapshot, TerminationIntent } from './types';

/** Turns a flat HGETALL reply ([k1, v1, k2, v2, …]) into a map. */
export function pairs(flat: unknown): Map<string, string> {
  const out = new Map<string, string>();
  // cjson encodes an empty Lua table as {}, not [], so anything but an array is "no fields".
  if (!Array.isArray(flat)) {
    return out;
  }
  for (let i = 0; i + 1 < flat.length; i += 2) {
    out.set(String(flat[i]), String(flat[i + 1]));
  }
  return out;
}

function num(fields: Map<string, string>, name: string): number | undefined {
  const raw = fields.get(name);
  return raw === undefined || raw === '' ? undefined : Number(raw);
}

function text(fields: Map<string, string>, name: string): string | undefined {
  const raw = fields.get(name);
  return raw === undefined || raw === '' ? undefined : raw;
}

/** Builds an InstanceRecord from the instance hash and its slots hash. */
export function parseInstance(
  instanceId: string,
  fields: Map<string, string>,
  slotFields: Map<string, string>,
): InstanceRecord {
  const readyAtMs = num(fields, 'readyAtMs');
  const lastJobEndedAtMs = num(fields, 'lastJobEndedAtMs');
  const slots = new Map<number, string>();
  for (const [slot, jobId] of slotFields) {
    slots.set(Number(slot), jobId);
  }
  const internalAddress = text(fields, 'internalAddress');
  const externalAddress = text(fields, 'externalAddress');
  return {
    instanceId,
    state: (fields.get('state') ?? 'creating') as InstanceState,
    capacityPerInstance: num(fields, 'capacity') ?? 0,
    claimedSlots: num(fields, 'claimed') ?? 0,
    useCount: num(fields, 'useCount') ?? 0,
    maxUseCount: num(fields, 'maxUseCount') ?? 0,
    createdAtMs: num(fields, 'createdAtMs') ?? 0,
    readyAtMs,
    lastJobEndedAtMs,
    idleSinceMs:
      readyAtMs === undefined ? undefined : Math.max(readyAtMs, lastJobEndedAtMs ?? readyAtMs),
    stateChangedAtMs: num(fields, 'stateChangedAtMs') ?? 0,
    failureCount: num(fields, 'failureCount') ?? 0,
    reason: text(fields, 'reason'),
    slots,
    ...(internalAddress === undefined ? {} : { internalAddress }),
    ...(externalAddress === undefined ? {} : { externalAddress }),
  };
}

/** Whether a claim may land on the instance now (the rule the open set in Redis follows). */
export function acceptsClaims(instance: InstanceRecord): boolean {
  return (
    instance.state === 'ready' &&
    instance.claimedSlots < instance.capacityPerInstance &&
    (instance.maxUseCount === 0 || instance.useCount < instance.maxUseCount)
  );
}

/** Raw parts of the snapshot script's reply. */
export interface RawSnapshot {
  readonly atMs: number;
  readonly instancesJson: string;
  readonly reservedSlots: number;
  readonly pendingJobs: number;
  readonly claimedSlots: number;
  readonly terminations: unknown;
}

/** Computes the planner's counts from one atomic read of the registry. */
export function buildSnapshot(raw: RawSnapshot): RegistrySnapshot {
  const decoded: unknown = JSON.parse(raw.instancesJson);
  const rows = Array.isArray(decoded) ? (decoded as [string, unknown, unknown][]) : [];
  // Redis set order is arbitrary; sorting keeps logs, plans and their tie-breaks repeatable.
  const instances = rows
    .map(([id, fields, slots]) => parseInstance(id, pairs(fields), pairs(slots)))
    .sort((a, b) => (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0));
  const byState = Object.fromEntries(INSTANCE_STATES.map(s => [s, 0])) as Record<
    InstanceState,
    number
  >;
  let idleReadySlots = 0;
  let unavailableSlots = 0;
  let upcomingSlots = 0;
  for (const instance of instances) {
    byState[instance.state] += 1;
    const free = Math.max(0, instance.capacityPerInstance - instance.claimedSlots);
    if (instance.state === 'creating' || instance.state === 'booting') {
      upcomingSlots += instance.capacityPerInstance;
    } else if (acceptsClaims(instance)) {
      idleReadySlots += free;
    } else {
      unavailableSlots += free;
    }
  }
  const terminationIntents: TerminationIntent[] = [];
  for (const [instanceId, json] of pairs(raw.terminations)) {
    const parsed = JSON.parse(json) as {
      recordedAtMs?: string;
      reason?: string;
      sentAtMs?: string;
      attempts?: string;
    };
    terminationIntents.push({
      instanceId,
      recordedAtMs: Number(parsed.recordedAtMs ?? 0),
      reason: parsed.reason ?? '',
      sentAtMs: parsed.sentAtMs === undefined ? undefined : Number(parsed.sentAtMs),
      attempts: Number(parsed.attempts ?? 0),
    });
  }
  return {
    atMs: raw.atMs,
    instances,
    instancesByState: byState,
    claimedSlots: raw.claimedSlots,
    reservedSlots: raw.reservedSlots,
    pendingJobs: raw.pendingJobs,
    idleReadySlots,
    unavailableSlots,
    upcomingSlots,
    terminationIntents,
  };
}
