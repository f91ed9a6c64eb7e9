import { createPipeline } from './create-pipeline';
import { finish, pipelineFrom, statuses, testInput } from './test-support';

const threeStages = `
stages: [build, test, deploy]
variables:
  GREETING: hello
build:
  stage: build
  script: echo build
test:
  stage: test
  script: [echo test]
deploy:
  stage: deploy
  script: echo deploy
`;

describe('createPipeline', () => {
  it('creates jobs in stage order with ids from nextJobId and only the first stage pending', () => {
    const pipeline = pipelineFrom(threeStages);
    expect(pipeline.jobs().map(job => [job.id, job.name, job.stage])).toEqual([
      [101, 'build', 'build'],
      [102, 'test', 'test'],
      [103, 'deploy', 'deploy'],
    ]);
    expect(statuses(pipeline)).toEqual({ build: 'pending', test: 'created', deploy: 'created' });
    expect(pipeline.status()).toBe('pending');
  });

  it('moves stage by stage to success', () => {
    const pipeline = pipelineFrom(threeStages);
    finish(pipeline, 'build', 'success');
    expect(statuses(pipeline)).toEqual({ build: 'success', test: 'pending', deploy: 'created' });
    expect(pipeline.status()).toBe('running');
    finish(pipeline, 'test', 'success');
    finish(pipeline, 'deploy', 'success');
    expect(pipeline.status()).toBe('success');
  });

  it('refuses a broken file without using a job id', () => {
    let used = 0;
    const result = createPipeline(
      testInput({ '.gitlab-ci.yml': 'build:\n  script: [1]\n' }, { nextJobId: () => ++used }),
    );
    expect(result).toEqual({
      ok: false,
      errors: [
        'jobs:build:script config should be a string or a nested array of strings up to 10 levels deep',
      ],
    });
    expect(used).toBe(0);
  });

  it('builds a payload for a pending job', () => {
    const pipeline = pipelineFrom(threeStages);
    const [build] = pipeline.pendingJobs();
    const payload = pipeline.buildPayload(build!.id, { jobToken: 'glcbt-64_abc', runnerId: 5 });
    expect(payload.steps).toEqual([
      {
        name: 'script',
        script: ['echo build'],
        timeout: 3600,
        when: 'on_success',
        allow_failure: false,
      },
    ]);
    expect(payload.variables).toContainEqual({
      key: 'GREETING',
      value: 'hello',
      public: true,
      masked: false,
    });
    expect(payload.git_info.repo_url).toBe(
      'http://gitlab-ci-token:glcbt-64_abc@127.0.0.1:8080/acme/widgets.git',
    );
  });
});
