/** The failure reasons GitLab's `Ci::Build` enum knows (reference §7.2), sent in payloads. */
export const failureReasons: readonly string[] = [
  'unknown_failure',
  'script_failure',
  'api_failure',
  'stuck_or_timeout_failure',
  'runner_system_failure',
  'missing_dependency_failure',
  'runner_unsupported',
  'stale_schedule',
  'job_execution_timeout',
  'archived_failure',
  'unmet_prerequisites',
  'scheduler_failure',
  'data_integrity_failure',
  'forward_deployment_failure',
  'user_blocked',
  'project_deleted',
  'ci_quota_exceeded',
  'pipeline_loop_detected',
  'no_matching_runner',
  'trace_size_exceeded',
  'builds_disabled',
  'environment_creation_failure',
  'deployment_rejected',
  'failed_outdated_deployment_job',
  'job_execution_server_timeout',
  'stuck_pending_with_matching_runners',
  'stuck_pending_no_matching_runners',
  'no_updates_running',
  'no_updates_canceling',
  'server_timeout_running',
  'server_timeout_canceling',
  'runner_configuration_error',
  'runner_external_dependency_failure',
  'runner_interrupted',
  'job_token_expired',
];

const known = new Set(failureReasons);

/** GitLab stores reasons it does not know as `unknown_failure`. */
export function normalizeFailureReason(reason: unknown): string {
  return typeof reason === 'string' && known.has(reason) ? reason : 'unknown_failure';
}
