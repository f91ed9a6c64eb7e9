import type { ConnectInfo, InstanceGroup, SshConnection } from '@taskfleet/fleeting';
import type { Clock, GitlabClient } from '@taskfleet/gitlab';
import type { Registry } from '@taskfleet/registry';
import type { Logger } from 'pino';

import type { ScriptShell } from '../job/build-scripts';
import type { ShellVariable } from '../job/expand-variables';
import type { RunProgress } from './run-progress';

/** Everything one job run needs; shared by all jobs of one worker. */
export interface JobProcessorOptions {
  readonly registry: Pick<Registry, 'claimSlot' | 'releaseSlot' | 'dropPending'>;
  readonly progress: RunProgress;
  readonly instances: Pick<InstanceGroup, 'connectInfo'>;
  readonly client: GitlabClient;
  /** The AES-256 key the poller encrypted payloads with (32 bytes). */
  readonly payloadKey: Buffer;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly buildsDir: string;
  /** `instance_acquire_timeout`: how long a job waits for a free slot before it fails. */
  readonly instanceAcquireTimeoutMs: number;
  /** @defaultValue 1000 */
  readonly slotPollIntervalMs?: number;
  /** @defaultValue 30 000 */
  readonly dialTimeoutMs?: number;
  /** How long the final state is re-sent through a GitLab outage. @defaultValue one hour */
  readonly finalUpdateDeadlineMs?: number;
  readonly traceUpdateIntervalMs?: number;
  readonly outputLimitBytes?: number;
  readonly shell?: ScriptShell;
  readonly runnerVariables?: readonly ShellVariable[];
  readonly runnerDescription?: string;
  /** Opens the SSH session; `dial` unless a test swaps it. */
  readonly connect?: (info: ConnectInfo, timeoutMs: number) => Promise<SshConnection>;
}

/** How one delivery of a queued job ended. */
export type ProcessResult =
  | 'success'
  | 'failed'
  | 'canceled'
  /** Failed back to GitLab as runner_system_failure (no slot, no connection, started before). */
  | 'system_failure'
  /** A redelivery of a job already finished: only acknowledged. */
  | 'already_finished';
