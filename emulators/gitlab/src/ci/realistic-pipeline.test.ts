import { finish, pipelineFrom, statuses, testRunner } from './test-support';

const files = {
  'ci/templates.yml': `
.node: &node
  image: node:20
  before_script:
    - npm ci
  cache:
    key:
      files: [package-lock.json]
    paths: [node_modules/]
.retry-infra:
  retry:
    max: 2
    when: [runner_system_failure, stuck_or_timeout_failure]
`,
  'package-lock.json': '{"lockfileVersion": 3}',
};

const yaml = `
include:
  - local: ci/templates.yml
stages: [build, test, deploy]
variables:
  APP: widgets
  IMAGE_TAG: $CI_COMMIT_SHORT_SHA
workflow:
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
      when: never
    - when: always
.test-base:
  extends: [.node, .retry-infra]
  stage: test
  needs: [build]
  artifacts:
    reports:
      junit: junit.xml
build:
  extends: .node
  stage: build
  script:
    - npm run build
  artifacts:
    paths: [dist/]
    expire_in: 1 day
unit:
  extends: .test-base
  parallel: 2
  script:
    - !reference [.node, before_script]
    - npm test -- --shard=$CI_NODE_INDEX/$CI_NODE_TOTAL
lint:
  extends: .test-base
  needs: []
  allow_failure: true
  script: npm run lint
deploy:
  stage: deploy
  script: ./deploy.sh $APP $IMAGE_TAG
  environment: production
  resource_group: production
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
      when: manual
`;

describe('a realistic pipeline', () => {
  it('runs from push to success with a manual deploy', () => {
    const pipeline = pipelineFrom(yaml, {}, files);
    expect(pipeline.jobs().map(job => `${job.id} ${job.name}`)).toEqual([
      '101 build',
      '102 unit 1/2',
      '103 unit 2/2',
      '104 lint',
      '105 deploy',
    ]);
    expect(statuses(pipeline)).toEqual({
      build: 'pending',
      'unit 1/2': 'created',
      'unit 2/2': 'created',
      lint: 'pending',
      deploy: 'created',
    });
    pipeline.recordArtifacts(101, {
      filename: 'artifacts.zip',
      size: 10,
      format: 'zip',
      type: 'archive',
    });
    finish(pipeline, 'build', 'success');
    finish(pipeline, 'lint', 'failed', 1);
    finish(pipeline, 'unit 1/2', 'failed', 1, 'runner_system_failure');
    expect(pipeline.pendingJobs().map(job => [job.name, job.retryOf])).toEqual([
      ['unit 2/2', undefined],
      ['unit 1/2', 102],
    ]);
    finish(pipeline, 'unit 2/2', 'success');
    finish(pipeline, 'unit 1/2', 'success');
    expect(statuses(pipeline)).toMatchObject({ deploy: 'manual' });
    expect(pipeline.status()).toBe('manual');

    const unit = pipeline.jobs().find(job => job.name === 'unit 1/2' && !job.retried)!;
    const payload = pipeline.buildPayload(unit.id, testRunner);
    expect(payload.steps[0]!.script).toEqual([
      'npm ci',
      'npm ci',
      'npm test -- --shard=$CI_NODE_INDEX/$CI_NODE_TOTAL',
    ]);
    expect(payload.dependencies).toEqual([
      {
        id: 101,
        name: 'build',
        token: testRunner.jobToken,
        artifacts_file: { filename: 'artifacts.zip', size: 10 },
      },
    ]);
    expect(payload.cache?.[0]?.key).toMatch(/^[0-9a-f]{40}-protected$/);
    expect(payload.artifacts?.map(artifact => artifact.artifact_type)).toEqual(['junit']);
    expect(payload.image).toEqual({ name: 'node:20' });

    pipeline.playManual(105);
    const deploy = pipeline.buildPayload(105, testRunner);
    expect(deploy.variables).toContainEqual({
      key: 'IMAGE_TAG',
      value: '$CI_COMMIT_SHORT_SHA',
      public: true,
      masked: false,
    });
    expect(deploy.variables).toContainEqual({
      key: 'CI_ENVIRONMENT_NAME',
      value: 'production',
      public: true,
      masked: false,
    });
    finish(pipeline, 'deploy', 'success');
    expect(pipeline.status()).toBe('success');
    expect(pipeline.hasWarnings()).toBe(true);
  });

  it('has no deploy job on another branch and no pipeline for merge requests', () => {
    expect(statuses(pipelineFrom(yaml, { ref: 'feature/x' }, files))).not.toHaveProperty('deploy');
    expect(() => pipelineFrom(yaml, { source: 'merge_request_event' }, files)).toThrow(
      'Pipeline filtered out by workflow rules.',
    );
  });
});
