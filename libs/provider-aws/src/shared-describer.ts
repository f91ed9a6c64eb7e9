import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import type { AutoScalingClient, AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { FleetingError } from '@taskfleet/fleeting';

import { ApiBackoff } from './api-backoff';
import type { ApiBackoffOptions } from './api-backoff';
import { classifyAwsError } from './classify-aws-error';
import type { AwsProviderSettings } from './settings';
import { SharedRounds, ownClientsFor } from './shared-rounds';

/** Names one DescribeAutoScalingGroups call may carry (the API's limit is 50 names a call). */
export const DESCRIBE_NAMES_PER_CALL = 50;

/** What one describe round read for one group: the group, or why it could not be read. */
type Reading =
  | { readonly round: number; readonly group: AutoScalingGroup }
  | { readonly round: number; readonly error: FleetingError };

/** Options of {@link SharedGroupDescriber}. */
export interface SharedGroupDescriberOptions {
  /** The Auto Scaling client of the account and Region every registered group lives in. */
  readonly client: AutoScalingClient;
  /** The account's throttling back-off; shared with every pool's own Auto Scaling calls. */
  readonly backoff?: ApiBackoff;
  /** Called by close(), e.g. to destroy a client made for this describer. */
  readonly onClose?: () => void;
}

/**
 * One DescribeAutoScalingGroups per round for every group of an account and Region (up to 50 a
 * call), its answer shared by all the pools: a pool is served the newest round that started after
 * its own last look and after its own last capacity change, and starts a new round otherwise.
 * While the account backs off from Throttling no call is made and every pool is refused
 * `throttled`, so no decision is taken on missing data.
 */
export class SharedGroupDescriber {
  /** The account's back-off; pools read it to slow their next ticks. */
  readonly backoff: ApiBackoff;
  private readonly client: AutoScalingClient;
  private readonly names = new Set<string>();
  private readonly readings = new Map<string, Reading>();
  /** Per group: the round its pool last read. */
  private readonly seen = new Map<string, number>();
  /** Per group: the last round that may have started before its latest capacity change ended. */
  private readonly changedAt = new Map<string, number>();
  private readonly rounds = new SharedRounds<FleetingError | undefined>((round, signal) =>
    this.runRound(round, signal),
  );
  private readonly onClose: (() => void) | undefined;

  constructor(options: SharedGroupDescriberOptions) {
    this.client = options.client;
    this.backoff = options.backoff ?? new ApiBackoff();
    this.onClose = options.onClose;
  }

  /**
   * A describer with its own Auto Scaling client, made from one pool's settings (every pool it
   * serves must share that account, Region and endpoint); close() destroys the client.
   */
  static forSettings(
    settings: AwsProviderSettings,
    backoff: ApiBackoffOptions = {},
  ): SharedGroupDescriber {
    const own = ownClientsFor(settings, backoff);
    return new SharedGroupDescriber({
      client: own.clients.autoScaling,
      backoff: own.backoff,
      onClose: own.onClose,
    });
  }

  /** Releases what the describer owns; idempotent. */
  close(): void {
    this.onClose?.();
  }

  /** Adds a group to every round; call it for each pool before their first describe. */
  register(name: string): void {
    this.names.add(name);
  }

  /** Marks a group changed (after our own capacity call): its next read must be a new round. */
  invalidate(name: string): void {
    this.changedAt.set(name, this.rounds.latest);
  }

  /**
   * The group as the newest round its pool has not seen yet read it; may start a round. With
   * `peek` (a pool's init) any reading since its last change will do, and none is marked seen,
   * so the first tick's own read is shared with the other pools too.
   */
  async describe(
    name: string,
    signal?: AbortSignal,
    options: { peek?: boolean } = {},
  ): Promise<AutoScalingGroup> {
    this.register(name);
    const peek = options.peek === true;
    const after = Math.max(peek ? 0 : (this.seen.get(name) ?? 0), this.changedAt.get(name) ?? 0);
    let reading = this.readings.get(name);
    if (reading === undefined || reading.round <= after) {
      const failed = await this.rounds.after(after, signal);
      reading = this.readings.get(name);
      if (failed !== undefined && (reading === undefined || reading.round <= after)) {
        // The round failed as a whole (throttled, backing off, unreachable): nothing new to
        // decide on, so the pool's tick stops here rather than acting on old data.
        throw failed;
      }
    }
    if (reading === undefined || reading.round <= after) {
      throw new FleetingError('provider_unavailable', `could not describe ${name}: no answer`);
    }
    if (!peek) {
      this.seen.set(name, reading.round);
    }
    if ('error' in reading) {
      throw reading.error;
    }
    return reading.group;
  }

  private async runRound(
    round: number,
    signal: AbortSignal | undefined,
  ): Promise<FleetingError | undefined> {
    const waitMs = this.backoff.remainingMs();
    if (waitMs > 0) {
      return new FleetingError(
        'throttled',
        `could not describe auto scaling groups: backing off from throttling for ${waitMs} ms`,
      );
    }
    const names = [...this.names];
    try {
      for (let i = 0; i < names.length; i += DESCRIBE_NAMES_PER_CALL) {
        await this.readChunk(round, names.slice(i, i + DESCRIBE_NAMES_PER_CALL), signal);
      }
      this.backoff.noteAnswered();
      return undefined;
    } catch (error) {
      const classified = classifyAwsError(error, { action: 'describe auto scaling groups' });
      if (classified.code === 'throttled') {
        this.backoff.noteThrottled();
      }
      return classified;
    }
  }

  private async readChunk(
    round: number,
    names: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<void> {
    let groups: AutoScalingGroup[];
    try {
      groups = await this.call(names, signal);
    } catch (error) {
      const classified = classifyAwsError(error, { action: 'describe auto scaling groups' });
      if (names.length === 1 || classified.retryable || classified.code === 'canceled') {
        throw error;
      }
      // A refusal of the whole call (one bad name) must not blind the other pools: ask alone.
      for (const name of names) {
        await this.readAlone(round, name, signal);
      }
      return;
    }
    const byName = new Map(groups.map(group => [group.AutoScalingGroupName, group]));
    for (const name of names) {
      const group = byName.get(name);
      this.readings.set(
        name,
        group === undefined ? { round, error: missingGroup(name) } : { round, group },
      );
    }
  }

  private async readAlone(round: number, name: string, signal: AbortSignal | undefined) {
    try {
      const [group] = await this.call([name], signal);
      this.readings.set(
        name,
        group === undefined ? { round, error: missingGroup(name) } : { round, group },
      );
    } catch (error) {
      const classified = classifyAwsError(error, { action: 'describe auto scaling group' });
      if (classified.retryable) {
        throw error;
      }
      this.readings.set(name, { round, error: classified });
    }
  }

  private async call(
    names: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<AutoScalingGroup[]> {
    const answer = await this.client.send(
      // MaxRecords covers every name asked for, so one page answers the whole chunk.
      new DescribeAutoScalingGroupsCommand({
        AutoScalingGroupNames: [...names],
        MaxRecords: 100,
      }),
      { abortSignal: signal },
    );
    return answer.AutoScalingGroups ?? [];
  }
}

function missingGroup(name: string): FleetingError {
  return new FleetingError(
    'invalid_config',
    `could not describe auto scaling group: 0 groups are named ${name}`,
  );
}
