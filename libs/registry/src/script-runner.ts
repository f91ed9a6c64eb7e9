import type { Cluster, Redis } from 'ioredis';

import { RegistryError, scriptErrorCode } from './errors';
import { LUA_COMMON } from './lua/common';
import { REPORT_LOST_INSTANCE } from './lua/health-scripts';
import { ACQUIRE_LEASE, RELEASE_LEASE, RENEW_LEASE } from './lua/lease-scripts';
import { CLAIM_SLOT, RELEASE_SLOT } from './lua/claim-scripts';
import { LEAVE_WAITING } from './lua/waiting-scripts';
import {
  BEGIN_DRAIN,
  CLEAR_INSTANCE,
  MARK_DELETING,
  RECORD_TERMINATION_INTENT,
} from './lua/drain-scripts';
import {
  MARK_BOOTING,
  MARK_READY,
  MARK_UNHEALTHY,
  RECORD_FAILURE,
  RECORD_HEARTBEAT,
  REGISTER_INSTANCE,
} from './lua/instance-scripts';
import {
  CONVERT_RESERVATION,
  DROP_PENDING,
  RELEASE_OWNER_RESERVATIONS,
  RELEASE_RESERVATION,
  RESERVE,
  INTAKE_COUNTS,
} from './lua/reservation-scripts';
import { RETIRE_INSTANCE } from './lua/retire-scripts';
import { MARK_TERMINATION_SENT, WRITE_SCALER_STATE } from './lua/scaler-state-scripts';
import { SNAPSHOT } from './lua/snapshot-script';
import { MARK_GONE, PRUNE_ORPHANS, SIGHT_ORPHAN, TAKE_ORPHAN } from './lua/ledger-scripts';

const SCRIPTS = {
  tfRegisterInstance: REGISTER_INSTANCE,
  tfMarkBooting: MARK_BOOTING,
  tfMarkReady: MARK_READY,
  tfMarkUnhealthy: MARK_UNHEALTHY,
  tfRecordFailure: RECORD_FAILURE,
  tfRecordHeartbeat: RECORD_HEARTBEAT,
  tfClaimSlot: CLAIM_SLOT,
  tfLeaveWaiting: LEAVE_WAITING,
  tfRetireInstance: RETIRE_INSTANCE,
  tfReleaseSlot: RELEASE_SLOT,
  tfBeginDrain: BEGIN_DRAIN,
  tfRecordTerminationIntent: RECORD_TERMINATION_INTENT,
  tfMarkDeleting: MARK_DELETING,
  tfClearInstance: CLEAR_INSTANCE,
  tfAcquireLease: ACQUIRE_LEASE,
  tfRenewLease: RENEW_LEASE,
  tfReleaseLease: RELEASE_LEASE,
  tfReserve: RESERVE,
  tfIntakeCounts: INTAKE_COUNTS,
  tfReleaseReservation: RELEASE_RESERVATION,
  tfConvertReservation: CONVERT_RESERVATION,
  tfDropPending: DROP_PENDING,
  tfReleaseOwnerReservations: RELEASE_OWNER_RESERVATIONS,
  tfSnapshot: SNAPSHOT,
  tfWriteScalerState: WRITE_SCALER_STATE,
  tfMarkTerminationSent: MARK_TERMINATION_SENT,
  tfReportLostInstance: REPORT_LOST_INSTANCE,
  tfMarkGone: MARK_GONE,
  tfSightOrphan: SIGHT_ORPHAN,
  tfTakeOrphan: TAKE_ORPHAN,
  tfPruneOrphans: PRUNE_ORPHANS,
} as const;

/** Name of one registry Lua script, as defined on the ioredis client. */
export type ScriptName = keyof typeof SCRIPTS;

type ScriptFn = (baseKey: string, ...args: string[]) => Promise<unknown>;

/** Defines every registry script on the client (idempotent; ioredis caches by SHA and EVALSHAs). */
export function defineScripts(redis: Redis | Cluster): void {
  const known = redis as unknown as Partial<Record<ScriptName, ScriptFn>>;
  for (const [name, body] of Object.entries(SCRIPTS)) {
    if (known[name as ScriptName] === undefined) {
      redis.defineCommand(name, { numberOfKeys: 1, lua: LUA_COMMON + body });
    }
  }
}

/** Runs one script and returns its raw reply; Redis failures become redis_unavailable. */
export async function runRaw(
  redis: Redis | Cluster,
  name: ScriptName,
  baseKey: string,
  args: readonly (string | number)[],
): Promise<unknown> {
  const fn = (redis as unknown as Record<ScriptName, ScriptFn | undefined>)[name];
  if (fn === undefined) {
    throw new RegistryError('inconsistent_state', `could not find script ${name}`);
  }
  try {
    return await fn.call(redis, baseKey, ...args.map(String));
  } catch (error) {
    throw new RegistryError('redis_unavailable', `could not run script ${name}`, { cause: error });
  }
}

/** Runs a script that replies with JSON; a reply `{ err }` becomes a RegistryError. */
export async function runJson(
  redis: Redis | Cluster,
  name: ScriptName,
  baseKey: string,
  args: readonly (string | number)[],
  instanceId?: string,
): Promise<Record<string, unknown>> {
  const raw = await runRaw(redis, name, baseKey, args);
  if (typeof raw !== 'string') {
    throw new RegistryError('inconsistent_state', `could not parse reply of ${name}`);
  }
  const reply = JSON.parse(raw) as Record<string, unknown>;
  if (typeof reply.err === 'string') {
    const code = scriptErrorCode(reply.err);
    const detail = typeof reply.detail === 'string' ? ` (${reply.detail})` : '';
    throw new RegistryError(code, `could not run ${name}: ${code}${detail}`, {
      instanceId,
    });
  }
  return reply;
}
