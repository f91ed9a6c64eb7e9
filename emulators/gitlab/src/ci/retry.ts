import { isMap } from './deep-merge';
import type { ConfigProblems } from './errors';
import { intOrList, stringOrList, unknownKeys } from './shape';
import type { RetrySpec } from './types';

/** The failure reasons `retry:when` accepts (GitLab's `Entry::Retry::ALLOWED_WHEN`). */
export const retryWhenValues = [
  'always',
  'unknown_failure',
  'script_failure',
  'api_failure',
  'stuck_or_timeout_failure',
  'runner_system_failure',
  'runner_unsupported',
  'stale_schedule',
  'job_execution_timeout',
  'archived_failure',
  'unmet_prerequisites',
  'scheduler_failure',
  'data_integrity_failure',
] as const;

/** No automatic retry: what a job without `retry:` gets. */
export const noRetry: RetrySpec = { max: 0, when: ['always'] };

// GitLab allows at most two automatic retries.
const maxRetries = 2;

function checkMax(value: unknown, location: string, problems: ConfigProblems): number {
  if (!Number.isInteger(value)) {
    problems.add(`${location} max config has to be an integer`);
    return 0;
  }
  const max = value as number;
  if (max < 0) {
    problems.add(`${location} max config must be greater than or equal to 0`);
  } else if (max > maxRetries) {
    problems.add(`${location} max config must be less than or equal to ${maxRetries}`);
  }
  return max;
}

/** Reads `retry:` (an integer 0–2 or `{max, when, exit_codes}`). */
export function normalizeRetry(
  value: unknown,
  location: string,
  problems: ConfigProblems,
): RetrySpec {
  if (value === undefined || value === null) {
    return noRetry;
  }
  if (Number.isInteger(value)) {
    return { max: checkMax(value, location, problems), when: ['always'] };
  }
  if (!isMap(value)) {
    problems.add(`${location} config has to be either an integer or a hash`);
    return noRetry;
  }
  const unknown = unknownKeys(value, ['max', 'when', 'exit_codes']);
  if (unknown.length > 0) {
    problems.add(`${location} config contains unknown keys: ${unknown.join(', ')}`);
  }
  const max = value.max === undefined ? 0 : checkMax(value.max, location, problems);
  let when: string[] = ['always'];
  if (value.when !== undefined) {
    const list = stringOrList(value.when);
    const bad = list?.filter(item => !(retryWhenValues as readonly string[]).includes(item)) ?? [];
    if (!list || bad.length > 0) {
      problems.add(
        `${location} when has to be either a string or an array of strings: ${bad.join(', ') || 'invalid'}`,
      );
    } else {
      when = list;
    }
  }
  if (value.exit_codes === undefined) {
    return { max, when };
  }
  const exitCodes = intOrList(value.exit_codes);
  if (!exitCodes) {
    problems.add(`${location} exit_codes should be an array of integers or an integer`);
    return { max, when };
  }
  return { max, when, exitCodes };
}
