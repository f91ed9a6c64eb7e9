import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';

import { RegistryError } from './errors';
import { InstanceHealth } from './instance-health';
import { IntakeReservations } from './intake-reservations';
import { FleetLedger } from './fleet-ledger';
import { checkId, runnerBaseKey } from './keys';
import { LeaderLease } from './leader-lease';
import type { DrainOptions, RegistryContext, RegistryOptions } from './registry-context';
import { readFreeSlotCounts, readInstance, readScalerState, readSnapshot } from './registry-reads';
import { defineScripts, runJson } from './script-runner';
import type { ScriptName } from './script-runner';
import type {
  ClearResult,
  DrainResult,
  FailureResult,
  InstanceAddresses,
  InstanceRecord,
  InstanceState,
  IntakeCounts,
  LeaseResult,
  RegisterInstanceInput,
  RegisterResult,
  RegistrySnapshot,
  ReleaseResult,
  ReserveInput,
  ReserveResult,
  SlotClaim,
} from './types';

export type { DrainOptions, RegistryOptions } from './registry-context';

/** The shared fleet state of one runner in Redis; every change is one atomic Lua script. */
export class Registry {
  private readonly redis: Redis | Cluster;
  private readonly base: string;
  private readonly clock: () => number;
  private readonly logger: Logger;
  private readonly ctx: RegistryContext;
  private readonly lease: LeaderLease;
  private readonly intake: IntakeReservations;
  /** Health reports from executors (instance lost under a job); see InstanceHealth. */
  readonly health: InstanceHealth;
  /** Tombstones, the use ledger and orphan sightings (fleet-ledger.ts). */
  readonly ledger: FleetLedger;

  constructor(options: RegistryOptions) {
    this.redis = options.redis;
    this.base = runnerBaseKey(options.keyPrefix, options.runnerKey);
    this.clock = options.clock ?? Date.now;
    // The runner key is bound once: callers often log under a child that has it already.
    const bound = options.logger.bindings();
    this.logger = options.logger.child({
      component: 'registry',
      ...('runnerKey' in bound ? {} : { runnerKey: options.runnerKey }),
    });
    defineScripts(this.redis);
    this.ctx = { redis: this.redis, baseKey: this.base, clock: this.clock, logger: this.logger };
    this.health = new InstanceHealth(this.ctx);
    this.lease = new LeaderLease(this.ctx);
    this.intake = new IntakeReservations(this.ctx);
    this.ledger = new FleetLedger(this.redis, this.base, this.clock);
  }

  /** The hash-tagged base key every key of this runner starts with. */
  get baseKey(): string {
    return this.base;
  }

  /** Takes or extends the scaler leader lease; a new holder gets a larger fencing token. */
  acquireLease(holderId: string, ttlMs: number): Promise<LeaseResult> {
    return this.lease.acquire(holderId, ttlMs);
  }

  /** Extends a live lease held with this token; false means leadership is lost. */
  renewLease(holderId: string, fencingToken: number, ttlMs: number): Promise<boolean> {
    return this.lease.renew(holderId, fencingToken, ttlMs);
  }

  /** Gives the lease up (on shutdown) so another replica can lead without waiting for expiry. */
  releaseLease(holderId: string, fencingToken: number): Promise<boolean> {
    return this.lease.release(holderId, fencingToken);
  }

  /** Records a new instance; an id already known keeps its record (use count included). */
  async registerInstance(
    fencingToken: number,
    input: RegisterInstanceInput,
  ): Promise<RegisterResult> {
    checkId('instanceId', input.instanceId);
    // Checked at run time too: the state goes into Redis as is, and callers may be untyped.
    const state: string = input.state;
    if (state !== 'creating' && state !== 'booting' && state !== 'draining') {
      throw new RegistryError(
        'invalid_argument',
        'could not register instance: state must be creating, booting or draining',
      );
    }
    const reason = input.reason ?? '';
    if (state === 'draining' && reason === '') {
      throw new RegistryError(
        'invalid_argument',
        'could not register instance: a draining registration needs a reason',
      );
    }
    if (!Number.isInteger(input.capacityPerInstance) || input.capacityPerInstance < 1) {
      throw new RegistryError('invalid_argument', 'could not register instance: capacity below 1');
    }
    if (!Number.isInteger(input.maxUseCount) || input.maxUseCount < 0) {
      throw new RegistryError('invalid_argument', 'could not register instance: bad maxUseCount');
    }
    const r = await this.fencedJson('tfRegisterInstance', fencingToken, input.instanceId, [
      input.state,
      input.capacityPerInstance,
      input.maxUseCount,
      input.internalAddress ?? '',
      input.externalAddress ?? '',
      reason,
    ]);
    return { created: r.created === true, state: r.state as InstanceState };
  }

  /** creating → booting: the cloud runs it; the ready command has not passed yet. */
  async markBooting(
    instanceId: string,
    fencingToken: number,
    addresses: InstanceAddresses = {},
  ): Promise<void> {
    await this.fencedJson('tfMarkBooting', fencingToken, instanceId, [
      addresses.internalAddress ?? '',
      addresses.externalAddress ?? '',
    ]);
  }

  /** creating | booting → ready: the ready command passed and the slots open for claims. */
  async markReady(instanceId: string, fencingToken: number): Promise<void> {
    await this.fencedJson('tfMarkReady', fencingToken, instanceId, []);
    this.logger.info({ instanceId }, 'instance ready');
  }

  /** Takes a live instance out of capacity as unhealthy; its running claims stay. */
  async markUnhealthy(instanceId: string, fencingToken: number, reason: string): Promise<void> {
    await this.fencedJson('tfMarkUnhealthy', fencingToken, instanceId, [reason]);
    this.logger.info({ instanceId, reason }, 'instance unhealthy');
  }

  /** Counts one failed heartbeat or ready command; at `failureThreshold` it turns unhealthy. */
  async recordFailure(
    instanceId: string,
    fencingToken: number,
    failureThreshold: number,
    reason: string,
  ): Promise<FailureResult> {
    const r = await this.fencedJson('tfRecordFailure', fencingToken, instanceId, [
      failureThreshold,
      reason,
    ]);
    return { failureCount: Number(r.failureCount), unhealthy: r.unhealthy === true };
  }

  /** A heartbeat passed: the failure count starts over. */
  async recordHeartbeat(instanceId: string, fencingToken: number): Promise<void> {
    await this.fencedJson('tfRecordHeartbeat', fencingToken, instanceId, []);
  }

  /**
   * Gives the job a slot on the busiest open instance, or the one it holds already (claimed
   * before, or granted while it waited); undefined when none is free. Waiting jobs are served
   * first, in arrival order. With a positive `waitTtlMs` a job that gets none joins the waiting list, or
   * renews its place there, until now + waitTtlMs: call again before then, or its place lapses.
   */
  async claimSlot(jobId: string, waitTtlMs = 0): Promise<SlotClaim | undefined> {
    checkId('jobId', jobId);
    const r = await this.json('tfClaimSlot', [jobId, this.clock(), Math.max(0, waitTtlMs)]);
    return claimOf(r);
  }

  /**
   * Takes the job off the waiting list (it stops waiting); returns a slot granted to it in the
   * meantime, which the caller then holds and must use or release.
   */
  async leaveWaiting(jobId: string): Promise<SlotClaim | undefined> {
    checkId('jobId', jobId);
    return claimOf(await this.json('tfLeaveWaiting', [jobId]));
  }

  /**
   * The channel on which each slot granted to a waiting job is announced (message: the job id),
   * as the server names it (a client `keyPrefix` included); see SlotGrantWatch.
   */
  get grantChannel(): string {
    const prefix = this.redis.options.keyPrefix ?? '';
    return `${prefix}${this.base}:granted`;
  }

  /**
   * The maintained free-slot counters reserve decides on: idle (a claim could take them now) and
   * unavailable (on instances that can take no claim but count toward max_instances).
   */
  freeSlotCounts(): Promise<{ idleReadySlots: number; unavailableSlots: number }> {
    return readFreeSlotCounts(this.ctx);
  }

  /**
   * Retires a ready instance with `reason` (an executor saw it cannot take more jobs, e.g.
   * `disk_pressure`): no new claims, removed by the scaler once idle. False when it was not
   * ready (already leaving service), which is no error.
   */
  async retireInstance(instanceId: string, reason: string): Promise<boolean> {
    checkId('instanceId', instanceId);
    const r = await this.json('tfRetireInstance', [this.clock(), instanceId, reason]);
    if (r.retired === true) {
      this.logger.info({ instanceId, reason }, 'instance retired');
    }
    return r.retired === true;
  }

  /** Frees the job's slot and stamps the instance's last job end; unknown jobs are a no-op. */
  async releaseSlot(jobId: string): Promise<ReleaseResult> {
    checkId('jobId', jobId);
    const r = await this.json('tfReleaseSlot', [jobId, this.clock()]);
    if (r.released !== true) {
      return { released: false };
    }
    return {
      released: true,
      instanceId: String(r.instanceId),
      slot: Number(r.slot),
      state: typeof r.state === 'string' ? (r.state as InstanceState) : undefined,
      removable: r.removable === true,
    };
  }

  /** Atomically idle → draining, only with zero claims; after it no claim can land there. */
  async beginDrain(
    instanceId: string,
    fencingToken: number,
    options: DrainOptions,
  ): Promise<DrainResult> {
    const r = await this.fencedJson('tfBeginDrain', fencingToken, instanceId, [
      options.idleSinceAtMostMs ?? '',
      options.reason,
    ]);
    if (r.drained === true) {
      this.logger.info({ instanceId, reason: options.reason }, 'instance draining');
      return { drained: true, alreadyDraining: r.alreadyDraining === true };
    }
    return { drained: false, reason: r.reason === 'busy' ? 'busy' : 'recently_used' };
  }

  /** Durably records that a drained instance is to be terminated; call before the cloud. */
  async recordTerminationIntent(
    instanceId: string,
    fencingToken: number,
    reason: string,
  ): Promise<void> {
    await this.fencedJson('tfRecordTerminationIntent', fencingToken, instanceId, [reason]);
    this.logger.info({ instanceId, reason }, 'termination intent recorded');
  }

  /** The cloud is removing the instance on its own: no new claims; running ones finish. */
  async markDeleting(instanceId: string, fencingToken: number, reason: string): Promise<void> {
    await this.fencedJson('tfMarkDeleting', fencingToken, instanceId, [reason]);
  }

  /** The instance is gone: drops its records and intent, returning jobs whose claims were on it. */
  async clearInstance(instanceId: string, fencingToken: number): Promise<ClearResult> {
    const r = await this.fencedJson('tfClearInstance', fencingToken, instanceId, []);
    const orphaned = Array.isArray(r.orphaned) ? r.orphaned.map(String) : [];
    if (orphaned.length > 0) {
      this.logger.warn({ instanceId, orphanedJobIds: orphaned }, 'instance gone with claims');
    }
    return { cleared: r.cleared === true, orphanedJobIds: orphaned };
  }

  /**
   * Stamps a recorded termination intent as sent (call right before the cloud call); a stale
   * token is refused, so a paused old leader never reaches the cloud after losing the lease.
   */
  async markTerminationSent(instanceId: string, fencingToken: number): Promise<number> {
    const r = await this.fencedJson('tfMarkTerminationSent', fencingToken, instanceId, []);
    return Number(r.attempts);
  }

  /**
   * Writes fields of the scaler leader's own state (an opaque string per field, encoded by the
   * scaler); refused with `stale_fencing_token` unless the token is the live lease's.
   */
  async writeScalerState(
    fencingToken: number,
    fields: Readonly<Record<string, string>>,
  ): Promise<void> {
    const flat = Object.entries(fields).flat();
    await this.json('tfWriteScalerState', [fencingToken, this.clock(), ...flat]);
  }

  /** Reads the scaler leader's state as written by {@link writeScalerState}; empty when none. */
  readScalerState(): Promise<Record<string, string>> {
    return readScalerState(this.ctx);
  }

  /** Reserves intake capacity before asking GitLab for a job (invariant 6). */
  reserve(input: ReserveInput): Promise<ReserveResult> {
    return this.intake.reserve(input);
  }

  /** Reads the jobs this runner handles now (for a limit shared by several runners). */
  intakeCounts(): Promise<IntakeCounts> {
    return this.intake.counts();
  }

  /** The poll returned no job: gives the reservation back; false if it had expired. */
  releaseReservation(reservationId: string): Promise<boolean> {
    return this.intake.release(reservationId);
  }

  /** The poll returned a job: the reservation becomes pending demand until the job claims. */
  convertReservation(
    reservationId: string,
    jobId: string,
  ): Promise<{ readonly reservationExpired: boolean }> {
    return this.intake.convert(reservationId, jobId);
  }

  /** A pending job ended without ever claiming a slot: drops its demand. */
  dropPending(jobId: string): Promise<boolean> {
    return this.intake.dropPending(jobId);
  }

  /** Releases every reservation of one poller (on its shutdown); returns how many. */
  releaseOwnerReservations(ownerId: string): Promise<number> {
    return this.intake.releaseOwner(ownerId);
  }

  /** Reads one instance (for an executor's connect info); undefined when unknown. */
  getInstance(instanceId: string): Promise<InstanceRecord | undefined> {
    return readInstance(this.ctx, instanceId);
  }

  /** One atomic read of everything the planner needs. */
  snapshot(): Promise<RegistrySnapshot> {
    return readSnapshot(this.ctx);
  }

  private json(
    name: ScriptName,
    args: readonly (string | number)[],
  ): Promise<Record<string, unknown>> {
    return runJson(this.redis, name, this.base, args);
  }

  private fencedJson(
    name: ScriptName,
    fencingToken: number,
    instanceId: string,
    rest: readonly (string | number)[],
  ): Promise<Record<string, unknown>> {
    checkId('instanceId', instanceId);
    return runJson(
      this.redis,
      name,
      this.base,
      [fencingToken, this.clock(), instanceId, ...rest],
      instanceId,
    );
  }
}

/** Creates the registry of one runner on a connected ioredis client or Cluster. */
export function createRegistry(options: RegistryOptions): Registry {
  return new Registry(options);
}

function claimOf(r: Record<string, unknown>): SlotClaim | undefined {
  if (r.none === true) {
    return undefined;
  }
  return {
    instanceId: String(r.instanceId),
    slot: Number(r.slot),
    existing: r.existing === true,
    ...(r.granted === true ? { granted: true } : {}),
  };
}
