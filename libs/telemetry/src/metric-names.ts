/**
 * Every metric name taskfleet exports, in one place. The `fleeting_*` names are the ones GitLab's
 * dashboards and runbooks read (reference/autoscaler.md §5); `taskfleet_*` are our own.
 */
export const metricNames = {
  provisionerInstances: 'fleeting_provisioner_instances',
  provisionerMaxInstances: 'fleeting_provisioner_max_instances',
  provisionerMissedUpdates: 'fleeting_provisioner_missed_updates_total',
  provisionerInstanceOperations: 'fleeting_provisioner_instance_operations_total',
  taskscalerTasks: 'fleeting_taskscaler_tasks',
  taskscalerMaxTasksPerInstance: 'fleeting_taskscaler_max_tasks_per_instance',
  taskscalerMaxUseCountPerInstance: 'fleeting_taskscaler_max_use_count_per_instance',
  taskscalerDesiredInstances: 'fleeting_taskscaler_desired_instances',
  taskscalerScaleOperations: 'fleeting_taskscaler_scale_operations_total',
  removals: 'taskfleet_removals_total',
  desiredCapacityDrift: 'taskfleet_desired_capacity_drift',
  desiredCapacity: 'taskfleet_desired_capacity',
  cappedByAsgMax: 'taskfleet_capped_by_asg_max_instances',
  wantedInstances: 'taskfleet_wanted_instances',
  idleTargetSlots: 'taskfleet_idle_target_slots',
  unmetDemandJobs: 'taskfleet_unmet_demand_jobs',
  pendingCreations: 'taskfleet_pending_creations',
  orphanAge: 'taskfleet_orphan_age_seconds',
  bootFailureRatio: 'taskfleet_boot_failure_ratio',
  creationBackoff: 'taskfleet_creation_backoff_seconds',
  consecutiveBootFailures: 'taskfleet_consecutive_boot_failures',
  heldCreations: 'taskfleet_held_creations',
  scalerLastTick: 'taskfleet_scaler_last_tick_timestamp_seconds',
  scalerPlanners: 'taskfleet_scaler_planners',
  pollerLastSuccessfulPoll: 'taskfleet_poller_last_successful_poll_timestamp_seconds',
  pollerStalled: 'taskfleet_poller_stalled',
  pollerRequests: 'taskfleet_poller_requests_total',
  pollerRequestConcurrencyLimit: 'taskfleet_poller_request_concurrency_limit',
  configReloads: 'taskfleet_config_reloads_total',
  configReloadFailures: 'taskfleet_config_reload_failures_total',
  readinessCheck: 'taskfleet_readiness_check',
} as const;

/** One of {@link metricNames}' values. */
export type MetricName = (typeof metricNames)[keyof typeof metricNames];
