/** Checks a `POST /jobs/request` 201 body against the key set and types of reference §3.6. */
export function expectJobPayloadShape(payload: unknown): void {
  const p = payload as Record<string, unknown>;
  expect(p).toEqual(
    expect.objectContaining({
      id: expect.any(Number),
      token: expect.stringMatching(/^glcbt-/),
      allow_git_fetch: expect.any(Boolean),
      job_info: expect.objectContaining({
        name: expect.any(String),
        stage: expect.any(String),
        project_id: expect.any(Number),
        project_name: expect.any(String),
        project_full_path: expect.any(String),
        namespace_id: expect.any(Number),
        root_namespace_id: expect.any(Number),
        organization_id: expect.any(Number),
        instance_id: expect.any(String),
        instance_uuid: expect.any(String),
        user_id: expect.any(Number),
        time_in_queue_seconds: expect.any(Number),
        project_jobs_running_on_instance_runners_count: expect.any(String),
        queue_size: expect.any(Number),
        queue_depth: expect.any(Number),
      }),
      git_info: expect.objectContaining({
        repo_url: expect.stringMatching(
          /^http:\/\/gitlab-ci-token:glcbt-[^@]+@127\.0\.0\.1:\d+\/.+\.git$/,
        ),
        ref: expect.any(String),
        sha: expect.stringMatching(/^[0-9a-f]{40}$/),
        before_sha: expect.stringMatching(/^[0-9a-f]{40}$/),
        ref_type: expect.stringMatching(/^(branch|tag)$/),
        refspecs: expect.any(Array),
        depth: expect.any(Number),
      }),
      runner_info: expect.objectContaining({ timeout: expect.any(Number) }),
      variables: expect.any(Array),
      steps: expect.any(Array),
      features: expect.objectContaining({
        trace_sections: true,
        failure_reasons: expect.any(Array),
      }),
    }),
  );
  for (const key of ['image', 'services', 'artifacts', 'cache', 'credentials', 'dependencies']) {
    expect(key in p).toBe(true);
    expect(p[key] === null || typeof p[key] === 'object').toBe(true);
  }
  // `run` must be a JSON string when present; an array makes the whole 201 undecodable.
  expect(p.run === undefined || typeof p.run === 'string').toBe(true);
  const git = p.git_info as { refspecs: unknown[] };
  expect(git.refspecs.every(r => typeof r === 'string')).toBe(true);
  for (const variable of p.variables as Record<string, unknown>[]) {
    expect(variable).toEqual(
      expect.objectContaining({
        key: expect.any(String),
        value: expect.any(String),
        public: expect.any(Boolean),
      }),
    );
  }
  for (const step of p.steps as Record<string, unknown>[]) {
    expect(step).toEqual({
      name: expect.any(String),
      script: expect.any(Array),
      timeout: expect.any(Number),
      when: expect.stringMatching(/^(on_success|on_failure|always)$/),
      allow_failure: expect.any(Boolean),
    });
  }
  const reasons = (p.features as { failure_reasons: unknown[] }).failure_reasons;
  expect(reasons).toEqual(
    expect.arrayContaining(['script_failure', 'runner_system_failure', 'job_execution_timeout']),
  );
}
