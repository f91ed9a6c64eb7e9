import type { ConnectInfo, InstanceGroup, SshConnection } from '@taskfleet/fleeting';
import type { Clock, GitlabClient } from '@taskfleet/gitlab';
import type { FailBackRequests } from '@taskfleet/job-queue';
import type { Registry, SlotGrantWatch } from '@taskfleet/registry';
import type { Tracer } from '@taskfleet/telemetry';
import type { Logger } from 'pino';

import type { CacheSettings } from '../cache/cache-stages';
import type { RunnerScriptSettings, ScriptShell } from '../job/build-scripts';
import type { ShellVariable } from '../job/expand-variables';
import type { ConnectionPool } from './connection-pool';
import type { JobRecords } from './job-record';

/** Everything one job run needs; shared by all jobs of one worker. */
export interface JobProcessorOptions {
  readonly registry: Pick<
    Registry,
    'claimSlot' | 'leaveWaiting' | 'releaseSlot' | 'dropPending' | 'retireInstance'
  >;
  /** Wakes a job waiting for a slot when the registry grants it one (no per-second polling). */
  readonly slotGrants?: Pick<SlotGrantWatch, 'wait'>;
  /** Durable job progress and outboxes (see JobRecords). */
  readonly records: JobRecords;
  /** This executor's id; each delivery owns its job as `<executorId>:<random>`. */
  readonly executorId: string;
  /**
   * How long a job stays owned by a delivery that stopped renewing it (an executor that died):
   * another executor takes the job over only after this. @defaultValue 30 000
   */
  readonly jobLeaseMs?: number;
  /** Aborted when the executor shuts down: deliveries in progress hand their outbox over. */
  readonly stopping?: AbortSignal;
  /**
   * Aborted, with a string reason, when the executor's shutdown limit passes: a running job is
   * killed and reported as runner_system_failure with the reason as its last log line.
   */
  readonly shutdownAbort?: AbortSignal;
  /**
   * Tells the registry the instance failed under the job (while the job still holds its claim
   * there), so it leaves capacity at once instead of after the scaler's failed heartbeats.
   */
  readonly reportLostInstance?: (
    instanceId: string,
    jobId: string,
    reason: string,
  ) => Promise<void>;
  /** SSH keepalive interval; a dead instance is noticed after `× (countMax + 1)`. */
  readonly keepaliveIntervalMs?: number;
  readonly keepaliveCountMax?: number;
  /** Test hooks at the racy moments of a run; each costs nothing when unset. */
  readonly hooks?: JobRunHooks;
  readonly instances: Pick<InstanceGroup, 'connectInfo'>;
  /** The SSH connections per instance that jobs share (ExecutorWorker makes one). */
  readonly connections: ConnectionPool;
  readonly client: GitlabClient;
  /** The AES-256 key the poller encrypted payloads with (32 bytes). */
  readonly payloadKey: Buffer;
  /**
   * Where a job sealed under another payload key is handed back for a poller to fail; without
   * it such a job is only logged.
   */
  readonly failBacks?: FailBackRequests;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly buildsDir: string;
  /** `instance_acquire_timeout`: how long a job waits for a free slot before it fails. */
  readonly instanceAcquireTimeoutMs: number;
  /**
   * How often a job waiting for a slot looks again when no grant woke it (its place in the
   * waiting list lapses after three intervals without a look). @defaultValue 5000 with
   * `slotGrants`, else 1000
   */
  readonly slotPollIntervalMs?: number;
  /** @defaultValue 30 000 */
  readonly dialTimeoutMs?: number;
  /** How long the final state is re-sent through a GitLab outage. @defaultValue one hour */
  readonly finalUpdateDeadlineMs?: number;
  readonly traceUpdateIntervalMs?: number;
  /** A keep-alive PUT with `state=running` is sent after this long without one. @defaultValue 30 s */
  readonly traceForceSendIntervalMs?: number;
  /**
   * A job that waited in the queue at least this long asks GitLab whether it is still wanted
   * before it takes a slot, so a job canceled while queued touches no instance; 0 asks always.
   * @defaultValue 0
   */
  readonly queuedCheckAfterMs?: number;
  /**
   * While a job waits for a slot, a keep-alive is sent this often, so a cancel in GitLab ends
   * the wait. @defaultValue 30 000
   */
  readonly queuedCheckIntervalMs?: number;
  /**
   * After each job the instance's disk use is read (`df`); at this percentage or more the
   * instance is retired (no new claims, removed once idle, reason `disk_pressure`, B19); 0 turns
   * the check off; `[taskfleet] disk_pressure_percent`. @defaultValue 85
   */
  readonly diskPressurePercent?: number;
  /** Between TERM and KILL when a canceled or timed-out stage is stopped. @defaultValue 10 s */
  readonly stopGraceMs?: number;
  readonly outputLimitBytes?: number;
  readonly shell?: ScriptShell;
  readonly runnerVariables?: readonly ShellVariable[];
  /** config.toml's `pre/post_get_sources_script` and `custom_build_dir`. */
  readonly runnerScripts?: RunnerScriptSettings;
  readonly runnerDescription?: string;
  /** `[runners.cache]` as a store and object naming; without it caches are skipped. */
  readonly cache?: CacheSettings;
  /** Traces each delivery (claim, slot wait, SSH, stages, final update). @defaultValue no-op */
  readonly tracer?: Tracer;
  /** `[[runners]] id`, as a span attribute; never the token. */
  readonly runnerId?: number;
  /** Opens a pooled SSH connection; `dial` unless a test swaps it. */
  readonly connect?: (
    info: ConnectInfo,
    timeoutMs: number,
    keepalive: { readonly keepaliveIntervalMs?: number; readonly keepaliveCountMax?: number },
  ) => Promise<SshConnection>;
}

/** Called at the moments a crash leaves a job in a distinct stage (for kill-at-stage tests). */
export interface JobRunHooks {
  /** A slot is held and the instance connected; the script is not started. */
  readonly beforeStarted?: (jobId: number) => void;
  /** The started marker is written; the script is about to run. */
  readonly afterStarted?: (jobId: number) => void;
  /** The final state is in the outbox; nothing of it is delivered yet. */
  readonly afterFinished?: (jobId: number) => void;
}

/** How one delivery of a queued job ended. */
export type ProcessResult =
  | 'success'
  | 'failed'
  | 'canceled'
  /** Failed back to GitLab as runner_system_failure (no slot, no connection, started before). */
  | 'system_failure'
  /** A redelivery of a job already finished: only acknowledged. */
  | 'already_finished'
  /** Another executor took the job over while this delivery ran; that one reports it. */
  | 'lease_lost'
  /** The job's outbox, left by an executor that stopped, was delivered. */
  | 'delivered_outbox'
  /** The executor is shutting down; the job is left for another executor to take over. */
  | 'handed_over';

/**
 * The settings a config reload may change while the executor runs (SIGHUP); a job takes them
 * when it is delivered and keeps them to its end.
 */
export type ExecutorSettings = Pick<
  JobProcessorOptions,
  | 'instanceAcquireTimeoutMs'
  | 'outputLimitBytes'
  | 'shell'
  | 'runnerVariables'
  | 'runnerScripts'
  | 'runnerDescription'
  | 'diskPressurePercent'
>;
