import type { Registry } from '@taskfleet/registry';
import type { Logger } from 'pino';

/** Holds the scaler's leader lease in the registry; one instance per scaler replica. */
export class LeaderLease {
  private token: number | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly holderId: string,
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {}

  /** Takes or extends the lease; returns the fencing token, or undefined when another leads. */
  async ensure(): Promise<number | undefined> {
    // acquireLease extends a live lease for its own holder, so one call covers both cases.
    const result = await this.registry.acquireLease(this.holderId, this.ttlMs);
    if (!result.acquired) {
      if (this.token !== undefined) {
        this.logger.warn({ holderId: result.holderId }, 'leader lease lost');
      }
      this.token = undefined;
      return undefined;
    }
    if (this.token !== result.fencingToken) {
      this.logger.info({ fencingToken: result.fencingToken }, 'leader lease acquired');
    }
    this.token = result.fencingToken;
    return this.token;
  }

  /** Whether the last ensure() took or extended the lease (no Redis call). */
  leading(): boolean {
    return this.token !== undefined;
  }

  /** Gives the lease up, if held, so another replica can lead at once. */
  async release(): Promise<void> {
    if (this.token === undefined) {
      return;
    }
    const token = this.token;
    this.token = undefined;
    await this.registry.releaseLease(this.holderId, token);
  }
}
