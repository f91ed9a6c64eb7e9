/**
 * The typed, frozen result of reading GitLab Runner's `config.toml` plus taskfleet's own settings.
 * Every default below is applied once, at parse; a GitLab `0` meaning "default" or "unlimited"
 * is already resolved (unlimited is `null`).
 */

import type { AutoscalerConfig } from './types-autoscaler';
import type { CacheConfig } from './types-cache';

/** Log levels GitLab Runner accepts (`warning` is read as `warn`). */
export type LogLevel = 'panic' | 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** Log formats GitLab Runner accepts. */
export type LogFormat = 'runner' | 'text' | 'json';

/** Shells the instance executor can run jobs with. */
export type Shell = 'bash' | 'sh';

/** A host and port to listen on, from a `host:port` string (`:9252` means every interface). */
export interface ListenAddress {
  /** Host or IP without brackets; empty for every interface. */
  readonly host: string;
  /** TCP port, 0 to 65535 (0 picks a free port). */
  readonly port: number;
}

/** One `KEY=value` entry of a runner's `environment`. */
export interface EnvironmentEntry {
  /** Variable name, `[A-Za-z_][A-Za-z0-9_]*`. */
  readonly name: string;
  /** Value after the first `=`, possibly empty. */
  readonly value: string;
}

/** The GitLab Runner feature flags taskfleet acts on, from `[runners.feature_flags]`. */
export interface RunnerFeatureFlags {
  /**
   * `FF_USE_ADAPTIVE_REQUEST_CONCURRENCY`: job requests in flight float between 1 and
   * `request_concurrency` (more after jobs, fewer after empty, failed or throttled polls);
   * false keeps them at `request_concurrency`.
   * @defaultValue `true` (GitLab Runner's default)
   */
  readonly useAdaptiveRequestConcurrency: boolean;
}

/** The whole configuration: GitLab's global section, every `[[runners]]`, and `[taskfleet]`. */
export interface Config {
  /**
   * `concurrent`: most jobs handled at once across all runners. Required, 1 or more.
   */
  readonly concurrent: number;
  /**
   * `check_interval` (integer seconds in the file): how often each runner polls for jobs.
   * @defaultValue 3000 (3 s; GitLab uses this for 0 or an absent key)
   */
  readonly checkIntervalMs: number;
  /**
   * `log_level`.
   * @defaultValue `'info'`
   */
  readonly logLevel: LogLevel;
  /**
   * `log_format`.
   * @defaultValue `'runner'`
   */
  readonly logFormat: LogFormat;
  /**
   * `listen_address`: where the Prometheus metrics server listens.
   * @defaultValue `null` (no metrics server)
   */
  readonly listenAddress: ListenAddress | null;
  /**
   * `shutdown_timeout` (integer seconds in the file): how long a graceful shutdown may take
   * before it turns forceful.
   * @defaultValue 30000 (30 s; GitLab uses this for 0 or an absent key)
   */
  readonly shutdownTimeoutMs: number;
  /**
   * `connection_max_age`: idle HTTP connections to GitLab older than this are closed.
   * @defaultValue 900000 (15 min)
   */
  readonly connectionMaxAgeMs: number;
  /** Every `[[runners]]` entry, in file order; at least one. */
  readonly runners: readonly RunnerConfig[];
  /** taskfleet's own settings, from `[taskfleet]` with environment variables taking precedence. */
  readonly taskfleet: TaskfleetConfig;
}

/** One `[[runners]]` entry: a GitLab runner served by one Auto Scaling group. */
export interface RunnerConfig {
  /**
   * `name`: the runner's description, for logs.
   * @defaultValue `''`
   */
  readonly name: string;
  /** `url`: the GitLab instance, `http(s)://host[/path]`. Required. */
  readonly url: string;
  /**
   * `id`: the runner's numeric id in GitLab; with `url` it identifies the runner across token
   * rotation.
   * @defaultValue `null` (also for 0: legacy configs without an id; the token identifies the runner)
   */
  readonly id: number | null;
  /** `token`: the runner authentication token (`glrt-…`). Required; a secret. */
  readonly token: string;
  /**
   * `limit`: most jobs this runner handles at once.
   * @defaultValue `null` (unlimited; GitLab's 0)
   */
  readonly jobLimit: number | null;
  /**
   * `request_concurrency`: most job requests in flight at once (each holds a reservation); with
   * `FF_USE_ADAPTIVE_REQUEST_CONCURRENCY` the ceiling of an adaptive limit.
   * @defaultValue 1 (also for 0)
   */
  readonly requestConcurrency: number;
  /**
   * `[runners.feature_flags]`: the GitLab Runner flags taskfleet acts on; others are ignored
   * with a warning.
   */
  readonly featureFlags: RunnerFeatureFlags;
  /** `executor`: always `instance`; anything else is refused at load. */
  readonly executor: 'instance';
  /**
   * `shell`: the shell jobs run in on the instance.
   * @defaultValue `'bash'`
   */
  readonly shell: Shell;
  /**
   * `builds_dir`: where job work trees live on the instance; relative paths are relative to the
   * login user's home directory.
   * @defaultValue `'builds'`
   */
  readonly buildsDir: string;
  /**
   * `cache_dir`: where local caches live on the instance.
   * @defaultValue `'cache'`
   */
  readonly cacheDir: string;
  /**
   * `environment`: extra variables for every job, in file order (a later entry wins).
   * @defaultValue `[]`
   */
  readonly environment: readonly EnvironmentEntry[];
  /**
   * `pre_get_sources_script`: shell commands run in get_sources before the fetch, ahead of the
   * job's own `hooks:pre_get_sources_script` (skipped with `GIT_STRATEGY=none` or `empty`); the
   * deprecated `pre_clone_script` when it is unset or empty.
   * @defaultValue `null` (also for an empty string)
   */
  readonly preGetSourcesScript: string | null;
  /**
   * `post_get_sources_script`: shell commands run in get_sources after checkout and submodules,
   * after the job's own post hook (skipped with `GIT_STRATEGY=none` or `empty`); the deprecated
   * `post_clone_script` when it is unset or empty.
   * @defaultValue `null` (also for an empty string)
   */
  readonly postGetSourcesScript: string | null;
  /**
   * `[runners.custom_build_dir] enabled`: whether a job may choose its work tree with
   * `GIT_CLONE_PATH` (inside `builds_dir`).
   * @defaultValue `false`
   */
  readonly customBuildDirEnabled: boolean;
  /**
   * `output_limit` (integer KiB in the file): most job log bytes sent to GitLab.
   * @defaultValue 4194304 (4096 KiB; also for 0)
   */
  readonly outputLimitBytes: number;
  /**
   * `unhealthy_requests_limit`: consecutive unhealthy job requests before the runner pauses.
   * @defaultValue 3
   */
  readonly unhealthyRequestsLimit: number;
  /**
   * `unhealthy_interval`: how long an unhealthy runner pauses polling.
   * @defaultValue 3600000 (60 min)
   */
  readonly unhealthyIntervalMs: number;
  /**
   * `strict_check_interval`: when true, never re-poll at once after receiving a job.
   * @defaultValue `false`
   */
  readonly strictCheckInterval: boolean;
  /**
   * `job_status_final_update_retry_limit`: attempts at sending a job's final state.
   * @defaultValue 10
   */
  readonly jobStatusFinalUpdateRetryLimit: number;
  /**
   * `tls-ca-file`: PEM file of extra CAs trusted for the GitLab API.
   * @defaultValue `null`
   */
  readonly tlsCaFile: string | null;
  /**
   * `tls-cert-file`: PEM client certificate for the GitLab API.
   * @defaultValue `null`
   */
  readonly tlsCertFile: string | null;
  /**
   * `tls-key-file`: PEM private key of `tls-cert-file`.
   * @defaultValue `null`
   */
  readonly tlsKeyFile: string | null;
  /** `[runners.autoscaler]`: the fleet behind this runner. Required. */
  readonly autoscaler: AutoscalerConfig;
  /**
   * `[runners.cache]`: the distributed cache.
   * @defaultValue `null` (no `Type`: caching stays local to the instance)
   */
  readonly cache: CacheConfig | null;
}

/** A 32-byte key that never shows itself in JSON or strings; `bytes()` gives a fresh copy. */
export interface EncryptionKey {
  /** Always 32. */
  readonly byteLength: number;
  /** A new Buffer holding the key; the caller may wipe it. */
  bytes(): Buffer;
  /** Returns `[redacted]`, so logging the config never leaks the key. */
  toJSON(): string;
  /** Returns `[redacted]`, so string interpolation never leaks the key. */
  toString(): string;
}

/** `[taskfleet]` keys of scaler and executor behaviour that GitLab Runner's config has no key for. */
export interface TaskfleetTuning {
  /**
   * `instance_create_timeout`: an instance not ready (or a requested one not listed by the group)
   * after this long is given up and reconciled.
   * @defaultValue `600_000` (10 min)
   */
  readonly instanceCreateTimeoutMs: number;
  /**
   * `heartbeat_interval`: how often a ready instance gets a heartbeat (`exit 0` over SSH);
   * `failure_threshold` failures in a row retire it. taskscaler checks every 5 minutes.
   * @defaultValue `300_000` (5 min)
   */
  readonly heartbeatIntervalMs: number;
  /**
   * `idle_confirm_time`: an instance is removed for idleness only once two scaler passes at least
   * this far apart both saw it idle (B29); `0s` lets one pass decide.
   * @defaultValue `null` (twice each runner's `update_interval_when_expecting`)
   */
  readonly idleConfirmMs: number | null;
  /**
   * `scale_in_cooldown`: no instance is removed for idleness until this long after the pool's
   * last scale-out and its last idle removal (kept in Redis, so a restart does not shorten it,
   * B59); `0s` is none, as in taskscaler, where `idle_time` per instance is the only delay.
   * @defaultValue `0`
   */
  readonly scaleInCooldownMs: number;
  /**
   * `disk_pressure_percent`: after each job an instance whose disk is at least this full is
   * retired (B19); `0` turns the check off.
   * @defaultValue `85`
   */
  readonly diskPressurePercent: number;
  /**
   * `account_launch_burst`: instances the pools of one AWS account and Region may ask for at
   * once, shared through Redis by every scaler process of the deployment (B13).
   * @defaultValue `1000` (EC2's RunInstances resource bucket)
   */
  readonly accountLaunchBurst: number;
  /**
   * `account_launches_per_second`: how fast that shared launch budget refills.
   * @defaultValue `2` (EC2's RunInstances refill rate)
   */
  readonly accountLaunchesPerSecond: number;
}

/** taskfleet's own settings (`[taskfleet]` table or `TASKFLEET_*` environment variables). */
export interface TaskfleetConfig extends TaskfleetTuning {
  /**
   * `redis_url` / `TASKFLEET_REDIS_URL`: `redis://` or `rediss://` (TLS) URL of the shared Redis.
   * @defaultValue `'redis://127.0.0.1:6379'`
   */
  readonly redisUrl: string;
  /**
   * `key_prefix` / `TASKFLEET_KEY_PREFIX`: prefix of every Redis key; no braces, since the
   * registry adds its own hash tags.
   * @defaultValue `'taskfleet'`
   */
  readonly keyPrefix: string;
  /**
   * `payload_encryption_key` / `TASKFLEET_PAYLOAD_ENCRYPTION_KEY`: 32 bytes (base64 or hex in
   * the file) encrypting job payloads in Redis. Required.
   */
  readonly payloadEncryptionKey: EncryptionKey;
  /**
   * `telemetry_endpoint` / `TASKFLEET_TELEMETRY_ENDPOINT`: OTLP/HTTP endpoint URL.
   * @defaultValue `null` (telemetry export off)
   */
  readonly telemetryEndpoint: string | null;
  /**
   * `aws_endpoint_url` / `TASKFLEET_AWS_ENDPOINT_URL`: endpoint for every AWS client, for emulators.
   * @defaultValue `null` (the SDK's regional endpoints)
   */
  readonly awsEndpointUrl: string | null;
  /**
   * `aws_region` / `TASKFLEET_AWS_REGION`: region for the AWS clients.
   * @defaultValue `null` (the SDK's default chain: `AWS_REGION`, the profile, instance metadata)
   */
  readonly awsRegion: string | null;
  /**
   * `cluster_id` / `TASKFLEET_CLUSTER_ID`: the value of the `taskfleet:cluster-id` tag that each
   * group's launch template puts on its instances (the `taskfleet:pool` tag holding the group's
   * name); a member carrying both and never used is adopted after a scaler restart (B52).
   * @defaultValue `null` (no member is known as the pool's own; unrecorded ones are removed)
   */
  readonly clusterId: string | null;
}
