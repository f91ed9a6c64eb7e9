import { effectiveFailureReason } from './failure-reasons';

const full = [
  'unknown_failure',
  'script_failure',
  'runner_system_failure',
  'job_execution_timeout',
  'runner_configuration_error',
  'runner_external_dependency_failure',
  'runner_interrupted',
];

describe('effectiveFailureReason', () => {
  it.each<[string | undefined, readonly string[] | undefined, string]>([
    [undefined, full, 'script_failure'],
    ['', full, 'script_failure'],
    ['script_failure', [], 'script_failure'],
    ['runner_system_failure', undefined, 'runner_system_failure'],
    ['job_execution_timeout', ['script_failure'], 'job_execution_timeout'],
    ['runner_configuration_error', full, 'runner_configuration_error'],
    ['runner_configuration_error', ['script_failure'], 'script_failure'],
    ['image_pull_failure', full, 'runner_system_failure'],
    ['runner_external_dependency_failure', [], 'runner_system_failure'],
    ['runner_interrupted', full, 'runner_interrupted'],
    ['runner_interrupted', ['script_failure'], 'unknown_failure'],
    // GitLab Runner's own cancel reason: GitLab never lists it, so it goes as unknown_failure …
    ['job_canceled', full, 'unknown_failure'],
    ['job_canceled', [], 'unknown_failure'],
    // … and a server that did list it would get it unchanged, as from GitLab Runner.
    ['job_canceled', [...full, 'job_canceled'], 'job_canceled'],
    ['runner_interrupted', [], 'unknown_failure'],
    // The fallback lands on a reason every GitLab accepts even when the list is empty.
    ['image_pull_failure', [], 'runner_system_failure'],
    ['runner_configuration_error', [], 'script_failure'],
    ['image_pull_failure', ['image_pull_failure'], 'image_pull_failure'],
    ['something_new', full, 'unknown_failure'],
    ['something_new', ['something_new'], 'something_new'],
  ])('%s with %j → %s', (reason, supported, expected) => {
    expect(effectiveFailureReason(reason, supported)).toBe(expected);
  });
});
