/** GitLab's failure reasons (§7 of the runner API reference) and how `retry:when` matches them. */

/** Every `failure_reason` key of GitLab's `commit_status` enum, sent as `features.failure_reasons`. */
export const serverFailureReasons = [
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
] as const;

// `retry:when` names that stand for several server-side reasons (§7.2 aliases).
const retryAliases: Readonly<Record<string, readonly string[]>> = {
  stuck_or_timeout_failure: [
    'stuck_or_timeout_failure',
    'stuck_pending_with_matching_runners',
    'stuck_pending_no_matching_runners',
    'no_updates_running',
    'no_updates_canceling',
  ],
  job_execution_timeout: [
    'job_execution_timeout',
    'server_timeout_running',
    'server_timeout_canceling',
  ],
};

/** `true` when a job that failed for `reason` is covered by the `retry:when` list. */
export function retryWhenCovers(when: readonly string[], reason: string): boolean {
  return when.some(
    entry => entry === 'always' || (retryAliases[entry] ?? [entry]).includes(reason),
  );
}

// Reasons of the enum's ≥1000 range that a job can end with but payloads do not list.
const storedOnlyReasons: readonly string[] = ['job_token_expired'];

/**
 * The reason stored for a failure: the runner's value if GitLab knows it, otherwise
 * `unknown_failure` (e.g. `image_pull_failure` is absent from the server enum).
 */
export function storedFailureReason(reason: unknown): string {
  if (typeof reason !== 'string' || reason === '') {
    return 'unknown_failure';
  }
  const known =
    (serverFailureReasons as readonly string[]).includes(reason) ||
    storedOnlyReasons.includes(reason);
  return known ? reason : 'unknown_failure';
}
