import { buildRunnerInfo } from '../runner-info';
import type { RunnerInfo } from '../runner-info';

/** A runner token fixture that must never reach a log. */
export const runnerTokenFixture = 'glrt-SECRET-runner-token-0123456789';
/** A job token fixture that must never reach a log. */
export const jobTokenFixture = 'glcbt-64_SECRET-job-token-abcdef';

/** Runner info for tests. */
export const testRunnerInfo: RunnerInfo = buildRunnerInfo({ version: '0.1.0-test' });

/** A minimal job payload as GitLab sends it (reference §3.7 A, shortened). */
export function jobPayloadFixture(
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id: 4101,
    token: jobTokenFixture,
    allow_git_fetch: true,
    job_info: {
      id: 4101,
      name: 'unit',
      stage: 'test',
      project_id: 17,
      project_name: 'widgets',
      project_full_path: 'acme/widgets',
      namespace_id: 9,
      root_namespace_id: 9,
      organization_id: 1,
      instance_id: '',
      instance_uuid: '',
      user_id: 3,
      time_in_queue_seconds: 1.42,
      project_jobs_running_on_instance_runners_count: '0',
      queue_size: 0,
      queue_depth: 0,
    },
    git_info: {
      repo_url: `https://gitlab-ci-token:${jobTokenFixture}@gitlab.test/acme/widgets.git`,
      ref: 'main',
      sha: '9f2c1e0a7b3d4c5e6f708192a3b4c5d6e7f80912',
      before_sha: '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d',
      ref_type: 'branch',
      refspecs: [
        '+refs/pipelines/88:refs/pipelines/88',
        '+refs/heads/main:refs/remotes/origin/main',
      ],
      depth: 20,
    },
    runner_info: { timeout: 3600, runner_session_url: null },
    variables: [
      { key: 'CI_JOB_ID', value: '4101', public: true, masked: false },
      { key: 'CI_JOB_TOKEN', value: jobTokenFixture, public: false, masked: true },
      {
        key: 'DEPLOY_KEY',
        value: 's3cr3t-value-123',
        public: false,
        masked: true,
        file: false,
        raw: true,
      },
    ],
    steps: [
      {
        name: 'script',
        script: ['echo hello', 'make test'],
        timeout: 3600,
        when: 'on_success',
        allow_failure: false,
      },
    ],
    image: null,
    services: null,
    artifacts: null,
    cache: null,
    credentials: [],
    dependencies: [],
    features: {
      trace_sections: true,
      failure_reasons: ['script_failure', 'runner_system_failure', 'unknown_failure'],
    },
    ...overrides,
  };
}
