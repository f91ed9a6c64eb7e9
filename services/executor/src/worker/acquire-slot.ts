import type { Clock } from '@taskfleet/gitlab';
import type { Registry } from '@taskfleet/registry';

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
}

/**
 * Claims a slot for the job, polling the registry on the clock until one is free, the timeout
 * (`instance_acquire_timeout`) passes or `signal` aborts; undefined when none was had.
 */
export async function acquireSlot(input: AcquireSlotInput): Promise<HeldSlot | undefined> {
  const deadlineMs = input.clock.now() + input.timeoutMs;
  for (;;) {
    const claim = await input.registry.claimSlot(input.jobId);
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
