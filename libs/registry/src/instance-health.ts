import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';

import { checkId } from './keys';
import { runJson } from './script-runner';
import type { InstanceState } from './types';

/** Result of {@link InstanceHealth.reportLost}. */
export type LostReport =
  | {
      readonly accepted: true;
      /** The instance's state after the report (`unhealthy` unless it was already leaving). */
      readonly state: InstanceState;
      readonly failureCount: number;
    }
  | {
      readonly accepted: false;
      /** The job holds no claim, holds it on another instance, or the instance is unknown. */
      readonly why: 'no_claim' | 'other_instance' | 'not_found';
    };

/** What {@link InstanceHealth} shares with the registry that made it. */
export interface InstanceHealthContext {
  readonly redis: Redis | Cluster;
  readonly baseKey: string;
  readonly clock: () => number;
  readonly logger: Logger;
}

/**
 * Health reports from outside the scaler leader: an executor that lost an instance under a job
 * takes it out of capacity at once, without waiting for the scaler's heartbeats.
 */
export class InstanceHealth {
  constructor(private readonly ctx: InstanceHealthContext) {}

  /**
   * Marks the instance unhealthy because the job `jobId`, which holds a claim on it, lost it
   * (SSH lost, sshd frozen, instance gone); call before the job's claim is released.
   */
  async reportLost(instanceId: string, jobId: string, reason: string): Promise<LostReport> {
    checkId('instanceId', instanceId);
    checkId('jobId', jobId);
    const r = await runJson(
      this.ctx.redis,
      'tfReportLostInstance',
      this.ctx.baseKey,
      [jobId, this.ctx.clock(), instanceId, reason],
      instanceId,
    );
    if (r.accepted !== true) {
      const why = r.why === 'other_instance' || r.why === 'not_found' ? r.why : 'no_claim';
      this.ctx.logger.warn({ instanceId, jobId, why }, 'lost instance report ignored');
      return { accepted: false, why };
    }
    const report = {
      accepted: true as const,
      state: r.state as InstanceState,
      failureCount: Number(r.failureCount),
    };
    this.ctx.logger.warn({ instanceId, jobId, reason, ...report }, 'instance lost under a job');
    return report;
  }
}
