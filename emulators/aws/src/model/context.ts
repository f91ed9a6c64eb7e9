import type { Logger } from 'pino';

import type { Clock } from '../clock';
import type { InstanceHost } from '../instances/instance-host';
import type { Random } from '../random';
import type { Scheduler } from './scheduler';

/** Timings of the model that are the same for every group unless the admin API changes them. */
export interface ModelTimings {
  /** How long a new instance stays `pending`/`Pending` before it runs. */
  defaultBootDelayMs: number;
  /** Random extra boot delay in [0, jitter). */
  defaultBootJitterMs: number;
  /** How long `shutting-down` lasts before `terminated`. */
  shutdownDelayMs: number;
  /** How long a terminated instance stays visible in DescribeInstances (AWS: about an hour). */
  terminatedRetentionMs: number;
  /** How long after a failed launch the group tries again. */
  launchRetryDelayMs: number;
}

/** What every part of the model shares: time, randomness, identity and the instance host. */
export interface ModelContext {
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly random: Random;
  readonly region: string;
  readonly accountId: string;
  readonly logger: Logger;
  readonly host: InstanceHost | undefined;
  /** The login user every emulated AMI has. */
  readonly osUser: string;
  /** The TCP port each instance's sshd listens on. */
  readonly sshPort: number;
  readonly timings: ModelTimings;
}

/** The availability zones of the emulated region, in order. */
export function regionZones(region: string): string[] {
  return ['a', 'b', 'c', 'd', 'e', 'f'].map(letter => `${region}${letter}`);
}
