/** Types of `[runners.autoscaler]` and its sub-tables; see reference/autoscaler.md §2.2–2.7. */

/** `[runners.autoscaler]`: how the fleet of one runner is sized and reached. */
export interface AutoscalerConfig {
  /** `plugin`: always the AWS plugin; the reference as written is in {@link pluginReference}. */
  readonly plugin: 'aws';
  /** `plugin` exactly as written (`aws`, `fleeting-plugin-aws`, an OCI reference, a path). */
  readonly pluginReference: string;
  /**
   * `capacity_per_instance`: job slots per instance, numbered from 0.
   * @defaultValue 1 (also for 0)
   */
  readonly capacityPerInstance: number;
  /**
   * `max_use_count`: jobs an instance may run before it is removed.
   * @defaultValue `null` (unlimited; GitLab's 0)
   */
  readonly maxUseCount: number | null;
  /**
   * `max_instances`: most instances in any state (creating, running, deleting).
   * @defaultValue `null` (unlimited; GitLab's 0)
   */
  readonly maxInstanceCount: number | null;
  /**
   * `instance_ready_command`: run on each new instance; a non-zero exit removes it.
   * @defaultValue `null`
   */
  readonly instanceReadyCommand: string | null;
  /**
   * `instance_acquire_timeout`: how long a job waits for a slot before failing.
   * @defaultValue 900000 (15 min; also for 0)
   */
  readonly instanceAcquireTimeoutMs: number;
  /**
   * `update_interval`: how often the group is polled normally.
   * @defaultValue 60000 (1 min; also for 0)
   */
  readonly updateIntervalMs: number;
  /**
   * `update_interval_when_expecting`: how often the group is polled while a change is expected.
   * @defaultValue 2000 (2 s; also for 0)
   */
  readonly updateIntervalWhenExpectingMs: number;
  /**
   * `deletion_retry_interval`: wait before retrying a deletion that had no effect.
   * @defaultValue 60000 (1 min; also for 0)
   */
  readonly deletionRetryIntervalMs: number;
  /**
   * `shutdown_deletion_interval`: during shutdown, wait between removing and re-checking.
   * @defaultValue 10000 (10 s; also for 0)
   */
  readonly shutdownDeletionIntervalMs: number;
  /**
   * `shutdown_deletion_retries`: most checks that shutdown deletions finished.
   * @defaultValue 3 (also for 0)
   */
  readonly shutdownDeletionRetries: number;
  /**
   * `failure_threshold`: consecutive health failures before an instance is replaced.
   * @defaultValue 3 (also for 0)
   */
  readonly failureThreshold: number;
  /**
   * `delete_instances_on_shutdown`: remove every instance when the scaler shuts down.
   * @defaultValue `false`
   */
  readonly deleteInstancesOnShutdown: boolean;
  /**
   * `log_internal_ip`: add the instance's internal address to the job log's dial line.
   * @defaultValue `false`
   */
  readonly logInternalIp: boolean;
  /**
   * `log_external_ip`: add the instance's external address to the job log's dial line.
   * @defaultValue `false`
   */
  readonly logExternalIp: boolean;
  /**
   * `reservation_throttling`: keep reservations below idle capacity minus one instance, so an
   * idle instance can still expire under many long polls.
   * @defaultValue `true` (also when unset)
   */
  readonly reservationThrottling: boolean;
  /** `[runners.autoscaler.scale_throttle]`: token bucket for instance creation. */
  readonly scaleThrottle: ScaleThrottleConfig;
  /** `instance_*_buckets`: Prometheus histogram bounds in seconds; `null` for the library's. */
  readonly histogramBuckets: HistogramBucketsConfig;
  /** `[runners.autoscaler.plugin_config]`: the AWS plugin's settings. Required. */
  readonly pluginConfig: AwsPluginConfig;
  /** `[runners.autoscaler.connector_config]`: how instances are reached. */
  readonly connector: ConnectorConfig;
  /**
   * `[[runners.autoscaler.policy]]`, in file order; the last one whose periods match wins.
   * @defaultValue one policy: every minute, idle_count 0
   */
  readonly policies: readonly PolicyConfig[];
}

/** `[runners.autoscaler.scale_throttle]` as a token bucket. */
export interface ScaleThrottleConfig {
  /**
   * `limit`: instances created per second once the bucket is empty.
   * @defaultValue 100 (GitLab's 0); `null` for `-1`, meaning unlimited
   */
  readonly limitPerSecond: number | null;
  /**
   * `burst`: bucket size.
   * @defaultValue `max_instances`, or `limit` when `max_instances` is unset; `null` when the
   * limit is unlimited
   */
  readonly burst: number | null;
}

/** `instance_*_buckets` histogram bounds, in seconds. */
export interface HistogramBucketsConfig {
  /** `instance_operation_time_buckets`: default for the four operation histograms. */
  readonly operationSeconds: readonly number[] | null;
  /** `instance_creation_time_buckets`, else {@link operationSeconds}. */
  readonly creationSeconds: readonly number[] | null;
  /** `instance_is_running_time_buckets`, else {@link operationSeconds}. */
  readonly isRunningSeconds: readonly number[] | null;
  /** `instance_deletion_time_buckets`, else {@link operationSeconds}. */
  readonly deletionSeconds: readonly number[] | null;
  /** `instance_readiness_time_buckets`, else {@link operationSeconds}. */
  readonly readinessSeconds: readonly number[] | null;
  /** `instance_life_duration_buckets`. */
  readonly lifeDurationSeconds: readonly number[] | null;
}

/** `[runners.autoscaler.plugin_config]` of fleeting-plugin-aws (reference/aws.md §1.3). */
export interface AwsPluginConfig {
  /** `name`: the Auto Scaling group's name. Required. */
  readonly groupName: string;
  /**
   * `profile`: named profile of the shared AWS config.
   * @defaultValue `null` (the SDK's default)
   */
  readonly profile: string | null;
  /**
   * `config_file`: path of the shared AWS config file.
   * @defaultValue `null` (the SDK's default, `~/.aws/config`)
   */
  readonly configFile: string | null;
  /**
   * `credentials_file`: path of the shared AWS credentials file.
   * @defaultValue `null` (the SDK's default, `~/.aws/credentials`)
   */
  readonly credentialsFile: string | null;
  /**
   * `region`: the group's region; wins over `[taskfleet] aws_region`.
   * @defaultValue `null` (taskfleet's `aws_region`, else the SDK's default chain)
   */
  readonly region: string | null;
  /**
   * `interruption_queue_url` (taskfleet's own key; the plugin ignores it): the SQS queue an
   * EventBridge rule sends `EC2 Spot Instance Interruption Warning` events to. The scaler's
   * leader long-polls it and takes a warned instance out of service at once (B50).
   * @defaultValue `null` (warnings are not read; a reclaim is seen when it happens)
   */
  readonly interruptionQueueUrl: string | null;
}

/** `[runners.autoscaler.connector_config]` (reference/autoscaler.md §2.3); SSH only. */
export interface ConnectorConfig {
  /**
   * `os`: the instances' OS.
   * @defaultValue `null` (detected by the provider; linux on AWS unless the AMI says otherwise)
   */
  readonly os: 'linux' | 'darwin' | null;
  /**
   * `arch`: the instances' architecture (`amd64`, `arm64`, …).
   * @defaultValue `null` (detected by the provider)
   */
  readonly arch: string | null;
  /** `protocol`: always `ssh`. */
  readonly protocol: 'ssh';
  /**
   * `protocol_port`: the SSH port.
   * @defaultValue 22 (also for 0)
   */
  readonly protocolPort: number;
  /**
   * `username`: the login user.
   * @defaultValue `'ec2-user'` (the AWS plugin's default)
   */
  readonly username: string;
  /**
   * `password`: static SSH password; a secret.
   * @defaultValue `null`
   */
  readonly password: string | null;
  /**
   * `key_path`: private key file used to log in, or sent with EC2 Instance Connect when
   * credentials are not static.
   * @defaultValue `null` (a fresh key per connection, sent with EC2 Instance Connect)
   */
  readonly keyPath: string | null;
  /**
   * `use_static_credentials`: when true, never provision keys; log in with `key_path` or
   * `password` as they are.
   * @defaultValue `false`
   */
  readonly useStaticCredentials: boolean;
  /**
   * `keepalive`: SSH keepalive interval; 0 disables keepalives. The reference gives no library
   * default; this is taskfleet's.
   * @defaultValue 30000 (30 s)
   */
  readonly keepaliveMs: number;
  /**
   * `timeout`: how long dialling an instance is retried before giving up. The reference gives no
   * library default; this is taskfleet's.
   * @defaultValue 60000 (1 min; also for 0)
   */
  readonly timeoutMs: number;
  /**
   * `use_external_addr`: dial the external address (the internal one if no external exists).
   * @defaultValue `false`
   */
  readonly useExternalAddr: boolean;
}

/** One `[[runners.autoscaler.policy]]`, kept as data; evaluation lives in libs/taskscaler. */
export interface PolicyConfig {
  /**
   * `periods`: 5-field cron expressions, each a range of time when the policy is active.
   * @defaultValue `['* * * * *']`
   */
  readonly periods: readonly string[];
  /**
   * `timezone`: IANA zone the periods are read in.
   * @defaultValue the process's local zone, resolved at load
   */
  readonly timezone: string;
  /**
   * `idle_count`: idle capacity to keep, in job slots (not instances).
   * @defaultValue 0
   */
  readonly idleCount: number;
  /**
   * `idle_time`: how long an instance may stay idle before removal.
   * @defaultValue 0 (removable as soon as it is idle; the reference gives no default)
   */
  readonly idleTimeMs: number;
  /**
   * `scale_factor`: extra idle capacity as a factor of in-use capacity.
   * @defaultValue 0
   */
  readonly scaleFactor: number;
  /**
   * `scale_factor_limit`: cap on the slots `scale_factor` may add.
   * @defaultValue `null` (no cap; GitLab's 0)
   */
  readonly scaleFactorLimit: number | null;
  /**
   * `preemptive_mode`: request a job only with an idle ready slot reserved.
   * @defaultValue `idleCount > 0` when unset
   */
  readonly preemptiveMode: boolean;
}
