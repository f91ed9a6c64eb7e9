import type { Logger } from 'pino';

import type { ApplyReport } from './apply-plan';

/** Instances a tick wanted but did not ask for, by the limit that held them. */
export function heldCreationsOf(
  apply: Pick<ApplyReport, 'heldByScaleThrottle' | 'heldByLaunchBudget' | 'heldByBootBackoff'>,
): Record<'scale_throttle' | 'account_launch_budget' | 'boot_backoff', number> {
  return {
    scale_throttle: apply.heldByScaleThrottle,
    account_launch_budget: apply.heldByLaunchBudget,
    boot_backoff: apply.heldByBootBackoff,
  };
}

/**
 * Says once when the throttle or the account's launch budget starts holding creations back, and
 * once when they stop, so a slow scale-out names its cause without a line every tick. The boot
 * back-off has its own lines (`creation back-off`).
 */
export class HeldCreationsLog {
  private holding: readonly string[] = [];

  constructor(private readonly logger: Logger) {}

  /** Compares this tick's holds with the last tick's and logs a change. */
  note(apply: Pick<ApplyReport, 'heldByScaleThrottle' | 'heldByLaunchBudget'>): void {
    const holding = [
      ...(apply.heldByScaleThrottle > 0 ? ['scale_throttle'] : []),
      ...(apply.heldByLaunchBudget > 0 ? ['account_launch_budget'] : []),
    ];
    if (holding.join() === this.holding.join()) {
      return;
    }
    this.holding = holding;
    if (holding.length === 0) {
      this.logger.info('creations no longer held');
      return;
    }
    this.logger.info(
      {
        heldBy: holding,
        heldByScaleThrottle: apply.heldByScaleThrottle,
        heldByLaunchBudget: apply.heldByLaunchBudget,
      },
      'creations held',
    );
  }
}
