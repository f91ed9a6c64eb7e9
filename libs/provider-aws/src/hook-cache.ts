import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { Logger } from 'pino';

import { describeTerminationHooks } from './termination-hooks';
import type { TerminationHook } from './termination-hooks';

/** How long a list of the group's termination hooks is trusted before it is read again. */
const hooksMaxAgeMs = 60_000;

/** The group's termination lifecycle hooks as last read, and when; read again once stale. */
export class TerminationHookCache {
  private hooks: { list: readonly TerminationHook[]; readAtMs: number } | undefined;

  constructor(private readonly now: () => number) {}

  /** The hooks as last read; undefined before the first read. */
  get last(): readonly TerminationHook[] | undefined {
    return this.hooks?.list;
  }

  /** The list, read again when older than a minute (or, with `rereadEmpty`, when empty). */
  async read(
    client: AutoScalingClient,
    groupName: string,
    signal: AbortSignal | undefined,
    rereadEmpty = false,
  ): Promise<readonly TerminationHook[]> {
    const nowMs = this.now();
    const fresh = this.hooks !== undefined && nowMs - this.hooks.readAtMs < hooksMaxAgeMs;
    if (this.hooks !== undefined && fresh && !(rereadEmpty && this.hooks.list.length === 0)) {
      return this.hooks.list;
    }
    const list = await describeTerminationHooks(client, groupName, signal);
    this.hooks = { list, readAtMs: nowMs };
    return list;
  }

  /** The hold timeout of a `Terminating:Wait` member: the shortest hook heartbeat timeout. */
  async holdTimeoutMs(
    client: AutoScalingClient,
    groupName: string,
    signal: AbortSignal | undefined,
    logger: Logger,
  ): Promise<number | undefined> {
    try {
      // A member waits, so some hook holds it: an empty list is out of date.
      const hooks = await this.read(client, groupName, signal, true);
      return hooks.length === 0 ? undefined : Math.min(...hooks.map(h => h.heartbeatTimeoutMs));
    } catch (error) {
      // The member is still reported deleting (no new work); its hold waits for the next update.
      logger.warn({ err: error }, 'could not read lifecycle hooks');
      return undefined;
    }
  }
}
