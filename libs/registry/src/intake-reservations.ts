import { checkId } from './keys';
import type { RegistryContext } from './registry-context';
import { runJson } from './script-runner';
import type { ScriptName } from './script-runner';
import type { IntakeCounts, ReserveInput, ReserveResult } from './types';

/** Intake capacity (invariant 6): reservations before a job request, pending demand after it. */
export class IntakeReservations {
  constructor(private readonly ctx: RegistryContext) {}

  /** Reserves intake capacity before asking GitLab for a job. */
  async reserve(input: ReserveInput): Promise<ReserveResult> {
    checkId('ownerId', input.ownerId);
    const r = await this.json('tfReserve', [
      input.ownerId,
      input.ttlMs,
      this.ctx.clock(),
      input.mode,
      input.maxInstances,
      input.capacityPerInstance,
      input.jobLimit ?? 0,
    ]);
    if (r.reserved === true) {
      return {
        reserved: true,
        reservationId: String(r.reservationId),
        expiresAtMs: Number(r.expiresAtMs),
      };
    }
    const reason =
      r.reason === 'no_available_capacity' || r.reason === 'job_limit'
        ? r.reason
        : 'no_potential_capacity';
    return { reserved: false, reason };
  }

  /** Reads the jobs this runner handles now. */
  async counts(): Promise<IntakeCounts> {
    const r = await this.json('tfIntakeCounts', [this.ctx.clock()]);
    return { reserved: Number(r.reserved), pending: Number(r.pending), claimed: Number(r.claimed) };
  }

  /** Gives a reservation back; false if it had expired. */
  async release(reservationId: string): Promise<boolean> {
    const r = await this.json('tfReleaseReservation', [reservationId]);
    return r.released === true;
  }

  /** Turns a reservation into pending demand for `jobId`. */
  async convert(
    reservationId: string,
    jobId: string,
  ): Promise<{ readonly reservationExpired: boolean }> {
    checkId('jobId', jobId);
    const r = await this.json('tfConvertReservation', [reservationId, jobId, this.ctx.clock()]);
    return { reservationExpired: r.reservationExpired === true };
  }

  /** Drops the demand of a pending job that never claimed a slot. */
  async dropPending(jobId: string): Promise<boolean> {
    const r = await this.json('tfDropPending', [jobId]);
    return r.dropped === true;
  }

  /** Releases every reservation of one poller; returns how many. */
  async releaseOwner(ownerId: string): Promise<number> {
    const r = await this.json('tfReleaseOwnerReservations', [ownerId]);
    return Number(r.released);
  }

  private json(
    name: ScriptName,
    args: readonly (string | number)[],
  ): Promise<Record<string, unknown>> {
    return runJson(this.ctx.redis, name, this.ctx.baseKey, args);
  }
}
