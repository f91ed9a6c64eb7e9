import { payloadOf, testRunner as runner } from './test-support';

const shellJob = 'unit:\n  script: [echo hello, make test]\n';

describe('payload variables', () => {
  it('sends the predefined variables with the right flags', () => {
    const payload = payloadOf(shellJob, 'unit', {
      projectVariables: [
        { key: 'DEPLOY_KEY', value: 's3cr3t-value-123', masked: true, file: false, raw: true },
        { key: 'KUBECONFIG', value: 'apiVersion: v1\n', masked: false, file: true },
      ],
      pipelineVariables: [{ key: 'FROM_API', value: 'yes' }],
    });
    const byKey = new Map(payload.variables.map(variable => [variable.key, variable]));
    const value = (key: string) => byKey.get(key)?.value;
    expect(byKey.get('CI_JOB_TOKEN')).toEqual({
      key: 'CI_JOB_TOKEN',
      value: runner.jobToken,
      public: false,
      masked: true,
    });
    expect(byKey.get('CI_REPOSITORY_URL')).toEqual({
      key: 'CI_REPOSITORY_URL',
      value: `http://gitlab-ci-token:${runner.jobToken}@127.0.0.1:8080/acme/widgets.git`,
      public: false,
      masked: false,
    });
    expect(byKey.get('DEPLOY_KEY')).toEqual({
      key: 'DEPLOY_KEY',
      value: 's3cr3t-value-123',
      public: false,
      masked: true,
      file: false,
      raw: true,
    });
    expect(byKey.get('KUBECONFIG')).toMatchObject({ file: true, masked: false, public: false });
    expect(byKey.get('FROM_API')).toEqual({
      key: 'FROM_API',
      value: 'yes',
      public: false,
      masked: false,
    });
    expect({
      CI: value('CI'),
      GITLAB_CI: value('GITLAB_CI'),
      CI_JOB_ID: value('CI_JOB_ID'),
      CI_JOB_NAME: value('CI_JOB_NAME'),
      CI_JOB_STAGE: value('CI_JOB_STAGE'),
      CI_JOB_URL: value('CI_JOB_URL'),
      CI_PIPELINE_ID: value('CI_PIPELINE_ID'),
      CI_PIPELINE_IID: value('CI_PIPELINE_IID'),
      CI_PIPELINE_SOURCE: value('CI_PIPELINE_SOURCE'),
      CI_PROJECT_ID: value('CI_PROJECT_ID'),
      CI_PROJECT_NAME: value('CI_PROJECT_NAME'),
      CI_PROJECT_PATH: value('CI_PROJECT_PATH'),
      CI_PROJECT_NAMESPACE: value('CI_PROJECT_NAMESPACE'),
      CI_PROJECT_URL: value('CI_PROJECT_URL'),
      CI_COMMIT_SHA: value('CI_COMMIT_SHA'),
      CI_COMMIT_SHORT_SHA: value('CI_COMMIT_SHORT_SHA'),
      CI_COMMIT_REF_NAME: value('CI_COMMIT_REF_NAME'),
      CI_COMMIT_REF_SLUG: value('CI_COMMIT_REF_SLUG'),
      CI_COMMIT_BRANCH: value('CI_COMMIT_BRANCH'),
      CI_COMMIT_TAG: value('CI_COMMIT_TAG'),
      CI_COMMIT_BEFORE_SHA: value('CI_COMMIT_BEFORE_SHA'),
      CI_DEFAULT_BRANCH: value('CI_DEFAULT_BRANCH'),
      CI_SERVER_URL: value('CI_SERVER_URL'),
      CI_SERVER_HOST: value('CI_SERVER_HOST'),
      CI_SERVER_PORT: value('CI_SERVER_PORT'),
      CI_SERVER_PROTOCOL: value('CI_SERVER_PROTOCOL'),
      CI_API_V4_URL: value('CI_API_V4_URL'),
      CI_NODE_TOTAL: value('CI_NODE_TOTAL'),
      CI_RUNNER_ID: value('CI_RUNNER_ID'),
      CI_RUNNER_SHORT_TOKEN: value('CI_RUNNER_SHORT_TOKEN'),
      CI_RUNNER_TAGS: value('CI_RUNNER_TAGS'),
      GIT_DEPTH: value('GIT_DEPTH'),
    }).toEqual({
      CI: 'true',
      GITLAB_CI: 'true',
      CI_JOB_ID: '101',
      CI_JOB_NAME: 'unit',
      CI_JOB_STAGE: 'test',
      CI_JOB_URL: 'http://127.0.0.1:8080/acme/widgets/-/jobs/101',
      CI_PIPELINE_ID: '88',
      CI_PIPELINE_IID: '88',
      CI_PIPELINE_SOURCE: 'push',
      CI_PROJECT_ID: '17',
      CI_PROJECT_NAME: 'widgets',
      CI_PROJECT_PATH: 'acme/widgets',
      CI_PROJECT_NAMESPACE: 'acme',
      CI_PROJECT_URL: 'http://127.0.0.1:8080/acme/widgets',
      CI_COMMIT_SHA: '9f2c1e0a7b3d4c5e6f708192a3b4c5d6e7f80912',
      CI_COMMIT_SHORT_SHA: '9f2c1e0a',
      CI_COMMIT_REF_NAME: 'main',
      CI_COMMIT_REF_SLUG: 'main',
      CI_COMMIT_BRANCH: 'main',
      CI_COMMIT_TAG: undefined,
      CI_COMMIT_BEFORE_SHA: '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d',
      CI_DEFAULT_BRANCH: 'main',
      CI_SERVER_URL: 'http://127.0.0.1:8080',
      CI_SERVER_HOST: '127.0.0.1',
      CI_SERVER_PORT: '8080',
      CI_SERVER_PROTOCOL: 'http',
      CI_API_V4_URL: 'http://127.0.0.1:8080/api/v4',
      CI_NODE_TOTAL: '1',
      CI_RUNNER_ID: '7',
      CI_RUNNER_SHORT_TOKEN: 'abc123',
      CI_RUNNER_TAGS: '["shell", "linux"]',
      GIT_DEPTH: '20',
    });
  });

  it('applies GitLab variable precedence: pipeline > project > job > global > predefined', () => {
    const yaml =
      'variables:\n  A: global\n  B: global\n  C: global\n  CI_JOB_STAGE: global\nj:\n  variables:\n    A: job\n    B: job\n  script: x\n';
    const payload = payloadOf(yaml, 'j', {
      projectVariables: [{ key: 'A', value: 'project', masked: false, file: false }],
      pipelineVariables: [
        { key: 'A', value: 'pipeline' },
        { key: 'Z', value: 'z' },
      ],
    });
    const value = (key: string) =>
      payload.variables.filter(variable => variable.key === key).map(variable => variable.value);
    expect([value('A'), value('B'), value('C'), value('CI_JOB_STAGE')]).toEqual([
      ['pipeline'],
      ['job'],
      ['global'],
      ['global'],
    ]);
  });

  it('sends expand: false variables raw and the tag variables for a tag', () => {
    const payload = payloadOf(
      'variables:\n  LITERAL: {value: "$HOME", expand: false}\n' + shellJob,
      'unit',
      { ref: 'v2.0', refType: 'tag' },
    );
    expect(payload.variables).toContainEqual({
      key: 'LITERAL',
      value: '$HOME',
      public: true,
      masked: false,
      raw: true,
    });
    expect(payload.variables).toContainEqual({
      key: 'CI_COMMIT_TAG',
      value: 'v2.0',
      public: true,
      masked: false,
    });
    expect(payload.variables.some(variable => variable.key === 'CI_COMMIT_BRANCH')).toBe(false);
  });
});

describe('job timing in the payload', () => {
  it('sends CI_JOB_STARTED_AT and the time the job waited in the queue', () => {
    let nowMs = Date.parse('2026-12-03T10:00:00Z');
    const payload = payloadOf(
      'unit:\n  script: x\n',
      'unit',
      { now: () => new Date(nowMs) },
      () => {
        nowMs += 2500;
      },
    );
    expect(payload.variables).toContainEqual({
      key: 'CI_JOB_STARTED_AT',
      value: '2026-12-03T10:00:02Z',
      public: true,
      masked: false,
    });
    expect(payload.job_info.time_in_queue_seconds).toBe(2.5);
  });
});
