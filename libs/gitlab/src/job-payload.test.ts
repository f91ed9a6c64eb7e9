import { parseJobPayload } from './job-payload';
import { jobPayloadFixture } from './testing/fixtures';

describe('parseJobPayload (reference §3.6)', () => {
  it('decodes a docker-style job with services, artifacts, cache and dependencies', () => {
    const result = parseJobPayload(
      jobPayloadFixture({
        image: { name: 'ruby:3.3', entrypoint: ['/bin/sh', '-c'], pull_policy: ['if-not-present'] },
        services: [
          {
            name: 'postgres:16',
            alias: 'db,postgres',
            variables: [{ key: 'POSTGRES_DB', value: 'test', public: true }],
          },
        ],
        artifacts: [
          {
            name: 'coverage',
            paths: ['coverage/'],
            exclude: ['coverage/tmp/**'],
            when: 'always',
            expire_in: '7 days',
            artifact_type: 'archive',
            artifact_format: 'zip',
          },
        ],
        cache: [
          {
            key: 'gems-main',
            untracked: false,
            policy: 'pull-push',
            paths: ['vendor/bundle'],
            when: 'on_success',
            fallback_keys: ['gems-default'],
          },
        ],
        dependencies: [
          {
            id: 5228,
            name: 'build',
            token: 't',
            artifacts_file: { filename: 'artifacts.zip', size: 1048576 },
          },
        ],
        steps: [
          {
            name: 'script',
            script: ['bundle exec rspec'],
            timeout: 5400,
            when: 'on_success',
            allow_failure: false,
          },
          {
            name: 'after_script',
            script: ['echo cleanup'],
            timeout: 5400,
            when: '',
            allow_failure: true,
          },
        ],
      }),
    );
    if (!result.ok) {
      throw new Error(result.problems.join('; '));
    }
    const { job } = result;
    expect(job.image).toMatchObject({ name: 'ruby:3.3', command: [], ports: [] });
    expect(job.services[0]).toMatchObject({
      alias: 'db,postgres',
      variables: [{ key: 'POSTGRES_DB', masked: false }],
    });
    expect(job.artifacts[0]).toMatchObject({ untracked: false, exclude: ['coverage/tmp/**'] });
    expect(job.cache[0]!.fallback_keys).toEqual(['gems-default']);
    expect(job.dependencies[0]!.artifacts_file).toEqual({
      filename: 'artifacts.zip',
      size: 1048576,
    });
    expect(job.steps[1]!.when).toBe('on_success');
  });

  it('fills Go zero values for null and absent objects', () => {
    const raw = jobPayloadFixture({ git_info: null, features: undefined, job_info: undefined });
    const result = parseJobPayload(raw);
    if (!result.ok) {
      throw new Error(result.problems.join('; '));
    }
    expect(result.job.git_info).toMatchObject({ repo_url: '', refspecs: [], depth: 0 });
    expect(result.job.features).toEqual({
      trace_sections: false,
      failure_reasons: [],
      token_mask_prefixes: [],
    });
    expect(result.job.job_info.name).toBe('');
  });

  it('lists every problem of an undecodable payload', () => {
    const result = parseJobPayload(
      jobPayloadFixture({
        token: '',
        variables: [{ key: 1, value: 'x' }],
        run: ['step'],
        runner_info: { timeout: '60' },
      }),
    );
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^token:/),
        expect.stringMatching(/^variables\.0\.key:/),
        expect.stringMatching(/^run:/),
        expect.stringMatching(/^runner_info\.timeout:/),
      ]),
    );
  });

  it('rejects a payload without an id', () => {
    expect(parseJobPayload({ token: 'x' }).ok).toBe(false);
    expect(parseJobPayload('nope').ok).toBe(false);
  });

  // The path names a directory on the instance that the clone strategy empties (breaker report).
  it.each([
    '../..',
    '..',
    'acme/../../etc',
    '/etc',
    'acme//widgets',
    'acme/widgets/',
    'a b/c',
    '-x/y',
  ])('refuses project_full_path %j, which could leave the builds directory', path => {
    const result = parseJobPayload(
      jobPayloadFixture({ job_info: { name: 'j', stage: 's', project_full_path: path } }),
    );
    expect(result.ok ? [] : result.problems).toEqual([
      expect.stringMatching(/^job_info\.project_full_path: is not a GitLab project path/),
    ]);
  });

  it.each(['acme/widgets', 'group/sub.group/my_project-2', '.dotfiles/x', ''])(
    'accepts project_full_path %j',
    path => {
      const result = parseJobPayload(
        jobPayloadFixture({ job_info: { name: 'j', stage: 's', project_full_path: path } }),
      );
      expect(result.ok).toBe(true);
    },
  );
});
