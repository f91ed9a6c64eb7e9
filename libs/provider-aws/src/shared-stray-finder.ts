import type { EC2Client, Instance } from '@aws-sdk/client-ec2';
import { FleetingError } from '@taskfleet/fleeting';

import { ApiBackoff } from './api-backoff';
import type { ApiBackoffOptions } from './api-backoff';
import { classifyAwsError } from './classify-aws-error';
import type { OwnerTags } from './inspect-instances';
import type { AwsProviderSettings } from './settings';
import { SharedRounds, ownClientsFor } from './shared-rounds';
import { describeOwned, ownerOf } from './strays';

type Round =
  | { readonly round: number; readonly instances: readonly Instance[] }
  | { readonly round: number; readonly error: FleetingError };

/** Options of {@link SharedStrayFinder}. */
export interface SharedStrayFinderOptions {
  /** The EC2 client of the account and Region every registered pool lives in. */
  readonly ec2: EC2Client;
  /** EC2's throttling back-off for these describes (EC2 and Auto Scaling have separate buckets). */
  readonly backoff?: ApiBackoff;
  /** Called by close(), e.g. to destroy a client made for this finder. */
  readonly onClose?: () => void;
}

const keyOf = (owner: OwnerTags) => JSON.stringify([owner.clusterId, owner.pool]);

/**
 * One DescribeInstances round (filtered by the owner tags, up to 50 pools a call) for every pool
 * of an account and Region, its answer shared: a pool is served the newest round that started
 * after its own last read, and starts a new round otherwise, so pools sweeping at the same
 * interval cost one round between them. While EC2 throttling backs off, no call is made.
 */
export class SharedStrayFinder {
  readonly backoff: ApiBackoff;
  private readonly ec2: EC2Client;
  private readonly owners = new Map<string, OwnerTags>();
  private readonly seen = new Map<string, number>();
  private last: Round | undefined;
  private readonly rounds = new SharedRounds<void>((round, signal) => this.runRound(round, signal));
  private readonly onClose: (() => void) | undefined;

  constructor(options: SharedStrayFinderOptions) {
    this.ec2 = options.ec2;
    this.backoff = options.backoff ?? new ApiBackoff();
    this.onClose = options.onClose;
  }

  /** A finder with its own EC2 client, made from one pool's settings; close() destroys it. */
  static forSettings(
    settings: AwsProviderSettings,
    backoff: ApiBackoffOptions = {},
  ): SharedStrayFinder {
    const own = ownClientsFor(settings, backoff);
    return new SharedStrayFinder({
      ec2: own.clients.ec2,
      backoff: own.backoff,
      onClose: own.onClose,
    });
  }

  /** Adds a pool to every round; call it for each pool before its first read. */
  register(owner: OwnerTags): void {
    this.owners.set(keyOf(owner), owner);
  }

  /** Releases what the finder owns; idempotent. */
  close(): void {
    this.onClose?.();
  }

  /** The live instances tagged with `owner`, from the newest round the pool has not read yet. */
  async read(owner: OwnerTags, signal?: AbortSignal): Promise<readonly Instance[]> {
    this.register(owner);
    const key = keyOf(owner);
    const after = this.seen.get(key) ?? 0;
    if (this.last === undefined || this.last.round <= after) {
      await this.rounds.after(after, signal);
    }
    const last = this.last;
    if (last === undefined || last.round <= after) {
      throw new FleetingError(
        'provider_unavailable',
        'could not describe stray instances: no answer',
      );
    }
    this.seen.set(key, last.round);
    if ('error' in last) {
      throw last.error;
    }
    return last.instances.filter(instance => {
      const tags = ownerOf(instance);
      return tags?.clusterId === owner.clusterId && tags.pool === owner.pool;
    });
  }

  private async runRound(round: number, signal: AbortSignal | undefined): Promise<void> {
    const waitMs = this.backoff.remainingMs();
    if (waitMs > 0) {
      this.last = {
        round,
        error: new FleetingError(
          'throttled',
          `could not describe stray instances: backing off from throttling for ${waitMs} ms`,
        ),
      };
      return;
    }
    const owners = [...this.owners.values()];
    const clusterIds = [...new Set(owners.map(o => o.clusterId))];
    const pools = [...new Set(owners.map(o => o.pool))];
    try {
      const instances = await describeOwned(this.ec2, clusterIds, pools, signal);
      this.backoff.noteAnswered();
      this.last = { round, instances };
    } catch (error) {
      const classified = classifyAwsError(error, { action: 'describe stray instances' });
      if (classified.code === 'throttled') {
        this.backoff.noteThrottled();
      }
      this.last = { round, error: classified };
    }
  }
}
