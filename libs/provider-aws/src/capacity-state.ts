import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import type { Logger } from 'pino';

import { groupSetupOf } from './group-setup';
import type { GroupSetup } from './group-setup';

/** The capacity figures the provider last saw on the group. */
export interface GroupCapacity {
  readonly desiredCapacity: number;
  readonly minSize: number;
  readonly maxSize: number;
}

/**
 * What the provider believes of its group between calls: the desired capacity it last set or
 * adopted, the setup and members of the last describe, and the queue its capacity calls wait in.
 */
export class CapacityState {
  /** The desired capacity as we last set or adopted it. */
  expectedDesired = 0;
  setup: GroupSetup | undefined;
  /** The group's members as last described: never strays, whatever their tags say. */
  memberIds: ReadonlySet<string> = new Set();
  /** The tail of the capacity calls in flight; they run one at a time (see `serialized`). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly logger: Logger) {}

  /** Takes a describe's members, setup and desired capacity as the truth from now on. */
  adopt(group: AutoScalingGroup, first: boolean): void {
    this.memberIds = new Set((group.Instances ?? []).flatMap(m => m.InstanceId ?? []));
    const setup = groupSetupOf(group);
    if (!first && setup.desiredCapacity !== this.expectedDesired) {
      // Someone else (a person, a policy, AWS) changed it; AWS's value is the truth from now on.
      this.logger.warn(
        { expected: this.expectedDesired, actual: setup.desiredCapacity },
        'out-of-sync capacity',
      );
    }
    this.expectedDesired = setup.desiredCapacity;
    this.setup = setup;
  }

  /** The desired capacity we expect and the group's size limits, as last seen. */
  capacity(): GroupCapacity | undefined {
    if (this.setup === undefined) {
      return undefined;
    }

    return {
      desiredCapacity: this.expectedDesired,
      minSize: this.setup.minSize,
      maxSize: this.setup.maxSize,
    };
  }

  /**
   * Runs capacity reads and changes one at a time: each computes from and updates the expected
   * desired capacity, so overlapping calls would lose an increase or report false drift.
   */
  serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);

    return run;
  }
}
