import type { Clock } from '@taskfleet/gitlab';
import { RegistryError } from '@taskfleet/registry';
import type { Registry } from '@taskfleet/registry';
import type { Logger } from 'pino';

/** A slot the job holds. */
export interface HeldSlot {
  readonly instanceId: string;
  readonly slot: number;
  /** The claim was made by an earlier delivery of the same job. */
  readonly existing: boolean;
}

/** Inputs of acquireSlot. */
export interface AcquireSlotInput {
  readonly registry: Pick<Registry, 'claimSlot'>;
  readonly jobId: string;
  readonly clock: Clock;
  readonly timeoutMs: number;
  readonly pollIntervalMs: number;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
}

/**
 * Claims a slot for the job, polling the registry on the clock until one is free, the timeout
 * (`instance_acquire_timeout`) passes or `signal` aborts; undefined when none was had. A
 * retryable registry error (Redis unreachable) counts as one more miss; any other is thrown.
 */
export async function acquireSlot(input: AcquireSlotInput): Promise<HeldSlot | undefined> {
  // TODO(#5): claims are not in queue order. While the fleet grows, every accepted job polls and
  // a new slot goes to whichever asks first, so a job may be overtaken by later ones (B35
  // scenario: up to 11 with 12 slots, waits still within the fair-share bound). Potential-mode
  // reservations keep the racers within the fleet's slots, and a full fleet has a slot for each.
  const deadlineMs = input.clock.now() + input.timeoutMs;
  for (;;) {
    const claim = await tryClaim(input);
    if (claim !== undefined) {
      return claim;
    }
    const leftMs = deadlineMs - input.clock.now();
    if (leftMs <= 0 || input.signal?.aborted === true) {
      return undefined;
    }
    await input.clock.sleep(Math.min(input.pollIntervalMs, leftMs), input.signal);
  }
}

async function tryClaim(input: AcquireSlotInput): Promise<HeldSlot | undefined> {
  try {
    return await input.registry.claimSlot(input.jobId);
  } catch (error) {
    if (error instanceof RegistryError && error.retryable) {
      // A Redis blip must not fail a job that is still within its acquire timeout.
      input.logger?.warn({ code: error.code }, 'could not claim a slot, retrying');
      return undefined;
    }
    throw error;
  }
}
