import { checkId } from './keys';
import type { RegistryContext } from './registry-context';
import { runJson } from './script-runner';
import type { LeaseResult } from './types';

/** The scaler leader lease of one runner, fenced: each new holder gets a larger token. */
export class LeaderLease {
  constructor(private readonly ctx: RegistryContext) {}

  /** Takes or extends the lease; see Registry.acquireLease. */
  async acquire(holderId: string, ttlMs: number): Promise<LeaseResult> {
    checkId('holderId', holderId);
    const { redis, baseKey, clock } = this.ctx;
    const r = await runJson(redis, 'tfAcquireLease', baseKey, [holderId, ttlMs, clock()]);
    if (r.acquired === true) {
      return {
        acquired: true,
        fencingToken: Number(r.fencingToken),
        expiresAtMs: Number(r.expiresAtMs),
      };
    }
    return { acquired: false, holderId: String(r.holderId), expiresAtMs: Number(r.expiresAtMs) };
  }

  /** Extends a live lease held with this token; false means leadership is lost. */
  async renew(holderId: string, fencingToken: number, ttlMs: number): Promise<boolean> {
    const { redis, baseKey, clock } = this.ctx;
    const r = await runJson(redis, 'tfRenewLease', baseKey, [
      holderId,
      fencingToken,
      ttlMs,
      clock(),
    ]);
    if (r.renewed !== true) {
      this.ctx.logger.warn({ holderId, fencingToken }, 'leader lease lost');
    }
    return r.renewed === true;
  }

  /** Gives the lease up so another replica can lead without waiting for expiry. */
  async release(holderId: string, fencingToken: number): Promise<boolean> {
    const { redis, baseKey } = this.ctx;
    const r = await runJson(redis, 'tfReleaseLease', baseKey, [holderId, fencingToken]);
    return r.released === true;
  }
}
