import type { Clock } from '@taskfleet/gitlab';
import { RegistryError } from '@taskfleet/registry';
import type { Registry, SlotGrantWatch } from '@taskfleet/registry';
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
  readonly registry: Pick<Registry, 'claimSlot' | 'leaveWaiting'>;
  readonly jobId: string;
  readonly clock: Clock;
  readonly timeoutMs: number;
  /**
   * How often a waiting job looks again when no grant notice woke it; each look renews its
   * place in the registry's waiting list, which lapses after `placeLooks` intervals without one.
   */
  readonly pollIntervalMs: number;
  /** Wakes the wait when the registry grants the job a slot; without it each interval looks. */
  readonly grants?: Pick<SlotGrantWatch, 'wait'>;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
}

/** A waiting job keeps its place this many look intervals after its last look (then it lapses). */
export const placeLooks = 3;

/**
 * Claims a slot for the job: at once if one is free and nobody waits, else by joining the
 * registry's waiting list, where freed slots go to jobs in arrival order; undefined when none
 * was had by the timeout (`instance_acquire_timeout`) or the abort. The job then leaves the list;
 * a slot granted at that very moment is returned, not lost. A retryable registry error (Redis
 * unreachable) counts as one more miss; any other is thrown.
 */
export async function acquireSlot(input: AcquireSlotInput): Promise<HeldSlot | undefined> {
  const deadlineMs = input.clock.now() + input.timeoutMs;
  // The place must outlive the gap to the next look; a dead executor's job lapses after it.
  const placeTtlMs = input.pollIntervalMs * placeLooks;
  for (;;) {
    const claim = await tryClaim(input, placeTtlMs);
    if (claim !== undefined) {
      return claim;
    }
    const leftMs = deadlineMs - input.clock.now();
    if (leftMs <= 0 || input.signal?.aborted === true) {
      return leave(input);
    }
    const sleepMs = Math.min(input.pollIntervalMs, leftMs);
    if (input.grants === undefined) {
      await input.clock.sleep(sleepMs, input.signal);
    } else {
      await input.grants.wait(
        input.jobId,
        signal => input.clock.sleep(sleepMs, signal),
        input.signal,
      );
    }
  }
}

async function tryClaim(
  input: AcquireSlotInput,
  placeTtlMs: number,
): Promise<HeldSlot | undefined> {
  try {
    return await input.registry.claimSlot(input.jobId, placeTtlMs);
  } catch (error) {
    if (error instanceof RegistryError && error.retryable) {
      // A Redis blip must not fail a job that is still within its acquire timeout.
      input.logger?.warn({ code: error.code }, 'could not claim a slot, retrying');
      return undefined;
    }
    throw error;
  }
}

async function leave(input: AcquireSlotInput): Promise<HeldSlot | undefined> {
  try {
    return await input.registry.leaveWaiting(input.jobId);
  } catch (error) {
    if (error instanceof RegistryError && error.retryable) {
      // The place lapses by itself; a slot granted in this instant is freed by the caller's
      // release on its no-slot path.
      input.logger?.warn({ code: error.code }, 'could not leave the slot waiting list');
      return undefined;
    }
    throw error;
  }
}
