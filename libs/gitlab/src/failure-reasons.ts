/** Failure reasons a runner reports (reference §7.1). */
export type RunnerFailureReason =
  | 'script_failure'
  | 'runner_system_failure'
  | 'job_execution_timeout'
  | 'image_pull_failure'
  | 'runner_configuration_error'
  | 'runner_external_dependency_failure'
  | 'runner_interrupted'
  | 'unknown_failure'
  | 'job_canceled';

/** Reasons GitLab Runner sends whether or not the server lists them. */
const ALWAYS_SUPPORTED: ReadonlySet<string> = new Set([
  'script_failure',
  'runner_system_failure',
  'job_execution_timeout',
]);

/**
 * GitLab Runner's compatibility map: the older, wider reason to try when the server lacks one.
 * `runner_interrupted` and `job_canceled` have no entry there: a server that does not list them
 * gets `unknown_failure`, the mapper's last resort, and one that lists them gets them as they are.
 */
const COMPATIBILITY: Readonly<Record<string, string>> = {
  image_pull_failure: 'runner_system_failure',
  runner_configuration_error: 'script_failure',
  runner_external_dependency_failure: 'runner_system_failure',
};

const MAX_FALLBACK_DEPTH = 10;

/**
 * The failure reason to put in the final update, when reporting `failed`, as GitLab Runner's
 * failure reason mapper picks it: empty becomes `script_failure`; a reason the server supports
 * (the job's `features.failure_reasons` plus the three every GitLab knows) is sent as is;
 * otherwise the compatibility map is followed to the first supported reason, else
 * `unknown_failure` (also when the map runs into a reason the server lacks with no way on).
 */
export function effectiveFailureReason(
  reason: string | undefined,
  serverReasons: readonly string[] | undefined,
): string {
  if (reason === undefined || reason === '') {
    return 'script_failure';
  }
  const supported = new Set([...ALWAYS_SUPPORTED, ...(serverReasons ?? [])]);
  let current = reason;
  for (let depth = 0; depth <= MAX_FALLBACK_DEPTH; depth++) {
    if (supported.has(current)) {
      return current;
    }
    const next = COMPATIBILITY[current];
    if (next === undefined) {
      break;
    }
    current = next;
  }
  return 'unknown_failure';
}
